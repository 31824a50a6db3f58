// pushdown_server.cpp: the pushdown server — model loading, admission and blocks [0,s) behind its
// routes.
#include "real_exec/pushdown_server.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/error.hpp"
#include "common/heap.hpp"
#include "common/stopwatch.hpp"
#include "common/units.hpp"
#include "models/block_metadata.hpp"
#include "models/zoo.hpp"
#include "real_exec/admission.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/object_store.hpp"
#include "real_exec/pacer.hpp"
#include "real_exec/protocol.hpp"
#include "real_exec/pushdown_routes.hpp"
#include "real_exec/request_objects.hpp"
#include "real_exec/tensor_codec.hpp"
#include "real_exec/tensor_pool.hpp"

namespace tiersplit::real_exec {

namespace {

using Clock = tiersplit::SteadyClock;
/// A model ready to serve: eval mode, and what admission control needs to know about it.
struct LoadedModel {
  models::BlockModel model{nullptr};
  std::vector<int64_t> weight_bytes_prefix;  // parameter+buffer bytes of blocks [0, s)
  std::vector<int64_t> peak_prefix;          // max per-sample inference peak over blocks [0, s)
  std::vector<int64_t> output_bytes;         // per-sample output of block s-1 (index s)
  std::mutex mutex;                          // serialises nothing but lazy initialisation
};

/// Of the memory budget, what the tensor pool leaves to the rest of the process [B].
constexpr int64_t kPoolMargin = int64_t{32} << 20;

/// A request's memory while it lasts: its admission ticket and, with the tensor pool, what it
/// holds outside the pool (released together when the response body is gone).
struct HeldMemory {
  MemoryAdmission::Ticket ticket;
  int64_t outside = 0;
  HeldMemory(MemoryAdmission::Ticket t, int64_t outside_bytes)
      : ticket(std::move(t)), outside(outside_bytes) {
    if (auto* pool = TensorPool::installed()) pool->add_outside(outside);
  }
  ~HeldMemory() {
    if (auto* pool = TensorPool::installed()) pool->add_outside(-outside);
  }
  HeldMemory(const HeldMemory&) = delete;
  HeldMemory& operator=(const HeldMemory&) = delete;
};

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

std::pair<std::string, int> parse_listen_address(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) fail("--listen '", text, "' must be HOST:PORT");
  std::string host = text.substr(0, colon);
  int port = -1;
  try {
    std::size_t used = 0;
    port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || port < 0 || port > 65535) throw std::out_of_range("");
  } catch (const std::exception&) {
    fail("--listen '", text, "': port must be a number in 0..65535");
  }
  return {host, port};
}

struct PushdownServer::Impl {
  ServerOptions opt;
  std::unique_ptr<ObjectStore> store;
  MemoryAdmission admission;
  ComputeSlots slots;
  std::unique_ptr<Pacer> pacer;
  httplib::Server http;
  std::thread thread;
  std::mutex models_mutex;
  std::map<std::string, std::shared_ptr<LoadedModel>> loaded;
  std::atomic<int64_t> served{0};
  Refusals refused;
  std::mutex tenants_mutex;
  std::map<std::string, int64_t> tenant_requests;

  explicit Impl(ServerOptions o)
      : opt(std::move(o)), admission(opt.memory_budget_bytes), slots(opt.compute_slots) {
    if (opt.pace_bytes_per_second > 0 || opt.pace_delay_s > 0) {
      pacer = std::make_unique<Pacer>(
          opt.pace_bytes_per_second,
          std::chrono::microseconds(static_cast<int64_t>(opt.pace_delay_s * 1e6)));
    }
  }

  std::string link() const {
    if (!pacer) return opt.link_note.empty() ? "none" : opt.link_note;
    if (!opt.link_note.empty()) return opt.link_note;  // the testbed describes its pacer use
    return "pacer " +
           (opt.pace_bytes_per_second > 0 ? format_bandwidth(opt.pace_bytes_per_second)
                                          : std::string("unlimited rate")) +
           ", delay " + format_duration(opt.pace_delay_s);
  }

  std::shared_ptr<LoadedModel> get_model(const PushdownRequest& r) {
    if (!opt.models.empty() &&
        std::find(opt.models.begin(), opt.models.end(), r.model) == opt.models.end()) {
      throw HttpError{404, "model '" + r.model + "' is not registered on this server"};
    }
    const auto& names = models::zoo_names();
    if (std::find(names.begin(), names.end(), r.model) == names.end()) {
      throw HttpError{404, "unknown model '" + r.model + "'"};
    }
    ModelSpec spec{r.model, r.num_classes, r.resolution, r.weights, ""};
    if (random_weights_seed(r.weights) < 0) {
      auto it = opt.weights.find(r.weights);
      if (it == opt.weights.end()) {
        throw HttpError{404, "weights '" + r.weights +
                                 "' are not registered on this server (use random:SEED or a "
                                 "name given to serve --weights)"};
      }
      spec.weights_file = it->second;
    }
    std::string key = r.model + "|" + r.weights + "|" + std::to_string(r.num_classes) + "|" +
                      std::to_string(r.resolution);
    std::shared_ptr<LoadedModel> lm;
    {
      std::lock_guard<std::mutex> lock(models_mutex);
      auto& slot = loaded[key];
      if (!slot) slot = std::make_shared<LoadedModel>();
      lm = slot;
    }
    std::lock_guard<std::mutex> lock(lm->mutex);
    if (!lm->model) {
      models::BlockModel m{nullptr};
      try {
        m = make_model(spec);
      } catch (const Error& e) {
        throw HttpError{400, e.what()};
      }
      m->eval();
      models::ModelMetadata meta = models::compute_metadata(m, true);
      int64_t L = m->size();
      lm->weight_bytes_prefix.assign(L + 1, 0);
      lm->peak_prefix.assign(L + 1, 0);
      lm->output_bytes.assign(L + 1, 0);
      lm->output_bytes[0] = meta.input_bytes_per_sample;
      lm->peak_prefix[0] = meta.input_bytes_per_sample;
      for (int64_t i = 0; i < L; ++i) {
        int64_t wb = 0;
        for (const auto& p : m->block(i).parameters()) wb += p.nbytes();
        for (const auto& b : m->block(i).buffers()) wb += b.nbytes();
        lm->weight_bytes_prefix[i + 1] = lm->weight_bytes_prefix[i] + wb;
        int64_t peak =
            std::max(meta.blocks[i].peak_activation_bytes_per_sample,
                     meta.input_bytes_per_sample + meta.blocks[i].output_bytes_per_sample);
        lm->peak_prefix[i + 1] = std::max(lm->peak_prefix[i], peak);
        lm->output_bytes[i + 1] = meta.blocks[i].output_bytes_per_sample;
      }
      lm->model = m;
      if (auto* pool = TensorPool::installed()) pool->raise_limit(lm->weight_bytes_prefix[L]);
    }
    return lm;
  }

  std::shared_ptr<std::string> handle_pushdown(const httplib::Request& req,
                                               httplib::Response& res) {
    const auto t_start = Clock::now();
    PushdownRequest r;
    try {
      r = parse_pushdown_request(req.body);
    } catch (const Error& e) {
      throw HttpError{400, e.what()};
    }
    {
      std::lock_guard<std::mutex> lock(tenants_mutex);
      ++tenant_requests[r.tenant];
    }
    auto lm = get_model(r);
    models::BlockModel& m = lm->model;
    const int64_t L = m->size();
    const int64_t freeze = r.freeze < 0 ? m->default_freeze() : r.freeze;
    if (freeze > L) {
      throw HttpError{400, "freeze index " + std::to_string(freeze) + " is past the " +
                               std::to_string(L) + " blocks of " + r.model};
    }
    if (r.split > freeze) {
      throw HttpError{400, "split " + std::to_string(r.split) + " is past the freeze index " +
                               std::to_string(freeze) + " (the server runs only frozen blocks)"};
    }
    RequestObjects read = read_request_objects(r, *store, opt.max_samples);
    const int64_t n = read.samples;
    const double read_s = read.read_s;
    const auto t_decode = Clock::now();
    // Admission: weights + b x per-sample peak + the response (tensor and its serialised copy)
    // + the decoded input samples.
    const int64_t b = std::min<int64_t>(r.storage_batch, n);
    const int64_t pixel_bytes = 3 * r.resolution * r.resolution;
    const int64_t out_bytes = r.split == 0 ? pixel_bytes : lm->output_bytes[r.split];
    const int64_t response_bytes = n * out_bytes + n * 16 + 4096;
    if (response_bytes > opt.max_response_bytes) {
      throw HttpError{413, "response would be " +
                               format_bytes(static_cast<double>(response_bytes)) +
                               ", over the server's cap of " +
                               format_bytes(static_cast<double>(opt.max_response_bytes)) +
                               "; ask for fewer samples per request"};
    }
    // The response exists three times at once (tensor, its codec copy, the serialised body);
    // a mini-batch of b normalised float samples sits beside the uint8 ones.
    const int64_t cost = lm->weight_bytes_prefix[r.split] + b * lm->peak_prefix[r.split] +
                         3 * response_bytes + n * pixel_bytes + b * 4 * pixel_bytes;
    MemoryAdmission::Ticket ticket;
    const auto t_queue = Clock::now();
    auto outcome = admission.acquire(
        cost, std::chrono::milliseconds(static_cast<int64_t>(opt.admission_wait_s * 1e3)), ticket);
    double queue_s = seconds_since(t_queue);
    if (outcome == MemoryAdmission::Outcome::kNeverFits) {
      throw HttpError{413, "request needs " + format_bytes(static_cast<double>(cost)) +
                               " of server memory (weights + storage batch x per-sample peak + "
                               "response), more than the whole budget of " +
                               format_bytes(static_cast<double>(admission.budget())) +
                               "; use a smaller storage batch or fewer samples per request"};
    }
    if (outcome == MemoryAdmission::Outcome::kBusy) {
      throw HttpError{503, "server memory budget is in use by other requests; retry later", 1.0};
    }
    // The input samples and two of the response's three copies (its codec copy and the body)
    // live outside the tensor pool.
    auto held =
        std::make_shared<HeldMemory>(std::move(ticket), 2 * response_bytes + n * pixel_bytes);
    // Gather the samples in request order.
    auto images = torch::empty({n, 3, r.resolution, r.resolution}, torch::kUInt8);
    auto labels = torch::empty({n}, torch::kInt64);
    auto ids = torch::empty({n}, torch::kInt64);
    {
      int64_t k = 0;
      auto* dst = images.data_ptr<uint8_t>();
      auto* lab = labels.data_ptr<int64_t>();
      auto* idp = ids.data_ptr<int64_t>();
      for (const auto& s : r.segments) {
        const SampleObject& o = read.objects.at(s.object);
        int64_t count = segment_samples(s, o);
        std::memcpy(dst + k * pixel_bytes, o.pixels.data() + s.first * pixel_bytes,
                    count * pixel_bytes);
        for (int64_t j = 0; j < count; ++j) {
          lab[k + j] = o.labels[s.first + j];
          idp[k + j] = o.ids[s.first + j];
        }
        k += count;
      }
      read.objects.clear();
    }
    double decode_s = read.decode_s + seconds_since(t_decode) - queue_s;
    // Blocks [0, s) in eval mode without gradients, in mini-batches of b.
    std::vector<double> block_s(r.split, 0.0);
    double compute_s = 0, compute_cpu_s = 0;
    torch::Tensor features;
    if (r.split == 0) {
      features = images;
    } else {
      const auto t_slot = Clock::now();
      ComputeSlots::Slot slot = slots.acquire();
      queue_s += seconds_since(t_slot);
      torch::NoGradGuard no_grad;
      const double cpu0 = thread_cpu_seconds();
      std::vector<torch::Tensor> outs;
      for (int64_t first = 0; first < n; first += b) {
        auto t0 = Clock::now();
        torch::Tensor x = normalise_images(images.narrow(0, first, std::min(b, n - first)));
        decode_s += seconds_since(t0);
        for (int64_t i = 0; i < r.split; ++i) {
          auto tb = Clock::now();
          x = m->forward_range(x, i, i + 1);
          double dt = seconds_since(tb);
          block_s[i] += dt;
          compute_s += dt;
        }
        outs.push_back(x.contiguous());
      }
      auto t0 = Clock::now();
      features = outs.size() == 1 ? outs[0] : torch::cat(outs, 0);
      compute_s += seconds_since(t0);
      compute_cpu_s = thread_cpu_seconds() - cpu0;
    }
    images = torch::Tensor();
    const auto t_ser = Clock::now();
    TensorFile f;
    f.metadata = {{"model", r.model},
                  {"split", std::to_string(r.split)},
                  {"storage_batch", std::to_string(b)}};
    f.add("features", from_torch(features));
    f.add("labels", from_torch(labels));
    f.add("ids", from_torch(ids));
    features = torch::Tensor();
    // The reservation lasts as long as the body: until cpp-httplib has sent it.
    std::shared_ptr<std::string> body(new std::string(encode_safetensors(f)),
                                      [held](std::string* s) { delete s; });
    f.tensors.clear();
    double serialize_s = seconds_since(t_ser);
    std::string blocks;
    for (std::size_t i = 0; i < block_s.size(); ++i)
      blocks += (i ? "," : "") + format_ms(block_s[i]);
    res.set_header(header::kQueueMs, format_ms(queue_s));
    res.set_header(header::kReadMs, format_ms(read_s));
    res.set_header(header::kDecodeMs, format_ms(decode_s));
    res.set_header(header::kComputeMs, format_ms(compute_s));
    res.set_header(header::kComputeCpuMs, format_ms(compute_cpu_s));
    res.set_header(header::kBlockMs, blocks);
    res.set_header(header::kSerializeMs, format_ms(serialize_s));
    res.set_header(header::kTotalMs, format_ms(seconds_since(t_start)));
    res.set_header(header::kSamples, std::to_string(n));
    res.set_header(header::kLink, link());
    ++served;
    return body;
  }

  /// The document GET /v1/health answers.
  nlohmann::json health() {
    nlohmann::json j = {{"status", "ok"},
                        {"link", link()},
                        {"memory_budget_bytes", admission.budget()},
                        {"memory_in_use_bytes", admission.in_use()},
                        {"memory_peak_bytes", admission.peak_in_use()},
                        {"active_requests", admission.active()},
                        {"served", served.load()},
                        {"refused", refused.total()},
                        {"models", opt.models.empty() ? models::zoo_names() : opt.models}};
    nlohmann::json by_status = nlohmann::json::object();
    for (const auto& [status, n] : refused.by_status()) by_status[std::to_string(status)] = n;
    j["refused_by_status"] = by_status;
    if (const auto* pool = TensorPool::installed()) {
      const TensorPoolStats p = pool->stats();
      j["tensor_pool"] = {{"live_bytes", p.live_bytes}, {"kept_bytes", p.kept_bytes},
                          {"peak_bytes", p.peak_bytes}, {"limit_bytes", p.limit_bytes},
                          {"reused", p.reused},         {"outside_bytes", p.outside_bytes},
                          {"mapped", p.mapped},         {"unmapped", p.unmapped}};
    }
    std::vector<std::string> w;
    for (const auto& [k, v] : opt.weights) w.push_back(k);
    j["weights"] = w;
    std::lock_guard<std::mutex> lock(tenants_mutex);
    j["tenants"] = tenant_requests;
    return j;
  }

  void install_routes() {
    http.set_keep_alive_max_count(10000);
    // Headers and a small body go out as two writes: without TCP_NODELAY the body waits for the
    // client's delayed ACK (44 ms for a 1 KiB probe; docs/validation.md, "Findings").
    http.set_tcp_nodelay(true);
    http.set_read_timeout(30, 0);
    http.set_write_timeout(300, 0);
    const int pool = std::max(1, opt.http_threads);
    http.new_task_queue = [pool] { return new httplib::ThreadPool(pool); };
    Routes routes;
    routes.token = opt.token;
    routes.max_request_bytes = opt.max_request_bytes;
    routes.max_response_bytes = opt.max_response_bytes;
    routes.store = store.get();
    routes.pacer = pacer.get();
    routes.link = [this] { return link(); };
    routes.pushdown = [this](const httplib::Request& req, httplib::Response& res) {
      try {
        return handle_pushdown(req, res);
      } catch (const c10::Error& e) {
        throw HttpError{400,
                        std::string("model failed on this input: ") + e.what_without_backtrace()};
      }
    };
    routes.health = [this] { return health(); };
    routes.refused = &refused;
    install_pushdown_routes(http, routes);
  }
};

PushdownServer::PushdownServer(ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

PushdownServer::~PushdownServer() {
  stop();
}

std::string PushdownServer::link() const {
  return impl_->link();
}

int PushdownServer::start() {
  auto& o = impl_->opt;
  auto [host, port] = parse_listen_address(o.listen);
  if (!is_loopback(host) && !o.allow_remote) {
    fail("--listen ", o.listen,
         " is not a loopback address; pass --allow-remote to serve other hosts");
  }
  if (o.store.empty()) fail("--store is required");
  impl_->store = open_store(o.store);
  for (const auto& [name, file] : o.weights) {
    if (random_weights_seed(name) >= 0) fail("weights name '", name, "' is reserved (random:SEED)");
    weights_metadata(file);  // readable and well-formed, or a clear error now
  }
  for (const auto& m : o.models) models::find_model(m);
  if (o.threads > 0) torch::set_num_threads(o.threads);
  share_one_arena();  // before the handler threads: they reuse each other's freed memory
  if (o.tensor_pool_min_bytes > 0) {
    TensorPoolOptions pool;
    pool.min_block_bytes = o.tensor_pool_min_bytes;
    // Raised by each model's weights as it loads; the margin is left to the rest of the process
    // (objects of requests being read, HTTP buffers, LibTorch's scratch).
    pool.limit_bytes = std::max<int64_t>(0, o.memory_budget_bytes - kPoolMargin);
    TensorPool::install(pool);
    map_large_blocks(std::size_t{4} << 20);  // response bodies: back to the system when sent
  }
  ignore_sigpipe();
  impl_->install_routes();
  int bound = port == 0 ? impl_->http.bind_to_any_port(host)
                        : (impl_->http.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) fail("cannot listen on ", o.listen, " (address in use or not available)");
  impl_->thread = std::thread([this] { impl_->http.listen_after_bind(); });
  return bound;
}

void PushdownServer::stop() {
  if (impl_->thread.joinable()) {
    // stop() only acts once the listen loop runs: give a just-started server a moment.
    for (int i = 0; i < 1000 && !impl_->http.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    impl_->http.stop();
    impl_->thread.join();
  }
}

void PushdownServer::wait() {
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace tiersplit::real_exec
