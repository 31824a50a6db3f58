// trainer.cpp: the compute-tier training loop with prefetched, retried pushdown fetches.
#include "real_exec/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <random>
#include <thread>

#include "common/error.hpp"
#include "common/progress.hpp"
#include "common/stopwatch.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/tensor_codec.hpp"
#include "real_exec/train_checkpoint.hpp"
#include "real_exec/train_common.hpp"

namespace tiersplit::real_exec {

namespace {

using Clock = tiersplit::SteadyClock;

// Default samples per concurrent request when --requests is 0 (HAPI serves 128 per request).
constexpr int64_t kSamplesPerRequest = 128;

/// One training batch as it arrives from the server, with what fetching it took.
struct FetchedBatch {
  int64_t epoch = 0;
  torch::Tensor x, y, ids;
  double fetch_s = 0, transfer_s = 0, server_s = 0, server_compute_s = 0, read_s = 0;
  int64_t bytes = 0;
  int64_t objects = 0;  ///< object ranges the server read (one batch can straddle objects)
  int attempts = 0;
  std::string link;
};

FetchedBatch fetch_batch(PushdownClient& client, const PushdownRequest& base,
                         const std::vector<Segment>& segments, int64_t requests) {
  const auto t0 = Clock::now();
  auto parts = split_segments(segments, requests);
  std::vector<std::future<PushdownReply>> futures;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    PushdownRequest r = base;
    r.segments = parts[i];
    futures.push_back(std::async(std::launch::async, [&client, r] { return client.pushdown(r); }));
  }
  std::vector<PushdownReply> replies;
  PushdownRequest r0 = base;
  r0.segments = parts[0];
  std::exception_ptr error;
  try {
    replies.push_back(client.pushdown(r0));
  } catch (...) {
    error = std::current_exception();
  }
  for (auto& f : futures) {
    try {
      replies.push_back(f.get());
    } catch (...) {
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  FetchedBatch b;
  std::vector<torch::Tensor> xs, ys, is;
  for (const auto& rep : replies) {
    xs.push_back(to_torch(rep.tensors.at("features")));
    ys.push_back(to_torch(rep.tensors.at("labels")));
    is.push_back(to_torch(rep.tensors.at("ids")));
    const auto& t = rep.timings;
    b.transfer_s = std::max(b.transfer_s, t.transfer_s);
    b.server_s = std::max(b.server_s, t.server_s);
    b.server_compute_s = std::max(b.server_compute_s, t.compute_s);
    b.read_s = std::max(b.read_s, t.read_s);
    b.bytes += t.bytes;
    b.attempts = std::max(b.attempts, t.attempts);
    b.link = t.link;
  }
  b.x = xs.size() == 1 ? xs[0] : torch::cat(xs, 0);
  b.y = ys.size() == 1 ? ys[0] : torch::cat(ys, 0);
  b.ids = is.size() == 1 ? is[0] : torch::cat(is, 0);
  b.fetch_s = seconds_since(t0);
  return b;
}

/// Fetches planned batches in order on its own thread, at most `depth` ahead of the consumer.
class Prefetcher {
 public:
  Prefetcher(PushdownClient& client, PushdownRequest base, std::vector<PlannedBatch> plan,
             int64_t requests, int64_t depth)
      : client_(client),
        base_(std::move(base)),
        plan_(std::move(plan)),
        requests_(requests),
        depth_(depth) {
    if (depth_ > 0) thread_ = std::thread([this] { run(); });
  }
  ~Prefetcher() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  std::size_t size() const { return plan_.size(); }

  /// The next batch; rethrows a fetch failure.
  FetchedBatch next() {
    if (depth_ == 0) return fetch(next_index_++);
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return !ready_.empty() || error_; });
    if (ready_.empty() && error_) std::rethrow_exception(error_);
    FetchedBatch b = std::move(ready_.front());
    ready_.pop_front();
    cv_.notify_all();
    return b;
  }

 private:
  FetchedBatch fetch(std::size_t i) {
    FetchedBatch b = fetch_batch(client_, base_, plan_[i].segments, requests_);
    b.epoch = plan_[i].epoch;
    b.objects = static_cast<int64_t>(plan_[i].segments.size());
    return b;
  }
  void run() {
    for (std::size_t i = 0; i < plan_.size(); ++i) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stop_ || static_cast<int64_t>(ready_.size()) < depth_; });
        if (stop_) return;
      }
      try {
        FetchedBatch b = fetch(i);
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.push_back(std::move(b));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = std::current_exception();
        cv_.notify_all();
        return;
      }
      cv_.notify_all();
    }
  }

  PushdownClient& client_;
  PushdownRequest base_;
  std::vector<PlannedBatch> plan_;
  int64_t requests_, depth_;
  std::size_t next_index_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<FetchedBatch> ready_;
  std::exception_ptr error_;
  bool stop_ = false;
};

}  // namespace

nlohmann::json run_training(const TrainOptions& o) {
  if (o.batch < 1) fail("--batch ", o.batch, " must be >= 1");
  if (o.storage_batch < 1) fail("--storage-batch ", o.storage_batch, " must be >= 1");
  if (o.prefetch < 0 || o.prefetch > 64) fail("--prefetch ", o.prefetch, " must be in 0..64");
  if (o.epochs < 1) fail("--epochs ", o.epochs, " must be >= 1");
  if (o.requests < 0 || o.requests > 64) fail("--requests ", o.requests, " must be in 0..64");
  if (o.resume && o.checkpoint.empty()) fail("--resume needs --checkpoint FILE");
  if (o.checkpoint_every < 1) fail("--checkpoint-every ", o.checkpoint_every, " must be >= 1");
  if (o.threads > 0) torch::set_num_threads(o.threads);
  const std::size_t heap_reserved = reserve_heap(o.heap_reserve_mib);
  PushdownClient client(o.server, o.token, o.retry);
  nlohmann::json manifest = client.manifest(o.dataset);
  const int64_t resolution = manifest.at("resolution").get<int64_t>();
  const int64_t classes = split_classes(manifest, o.train_split);
  auto train_objects = split_objects(manifest, o.train_split);

  ModelSpec spec{o.model, classes, resolution, "random:" + std::to_string(o.init_seed), ""};
  if (!o.weights_file.empty()) {
    spec.weights_file = o.weights_file;
    spec.weights = o.server_weights.empty() ? std::filesystem::path(o.weights_file).stem().string()
                                            : o.server_weights;
  }
  std::vector<std::string> skipped;
  models::BlockModel model = make_model(spec, &skipped);
  const int64_t L = model->size();
  const int64_t f = o.freeze < 0 ? model->default_freeze() : o.freeze;
  if (f > L) fail("--freeze ", f, " is past the ", L, " blocks of ", o.model);
  if (o.split < 0 || o.split > f) {
    fail("--split ", o.split, " must be in 0..", f,
         " (the freeze index: the server runs only frozen blocks)");
  }
  if (f == L) fail("--freeze ", f, " freezes every block of ", o.model, ": nothing to train");

  PushdownRequest base;
  base.tenant = o.tenant;
  base.model = o.model;
  base.weights = spec.weights;
  base.num_classes = classes;
  base.resolution = resolution;
  base.split = o.split;
  base.freeze = f;
  base.storage_batch = o.storage_batch;
  const int64_t requests =
      o.requests > 0
          ? o.requests
          : std::max<int64_t>(1, (o.batch + kSamplesPerRequest - 1) / kSamplesPerRequest);

  std::vector<PlannedBatch> plan;
  for (int64_t e = 0; e < o.epochs; ++e) {
    for (auto& segs : plan_epoch(train_objects, o.batch,
                                 epoch_order_seed(static_cast<uint64_t>(o.seed), e), true)) {
      plan.push_back({e, std::move(segs)});
      if (o.max_iterations > 0 && static_cast<int64_t>(plan.size()) >= o.max_iterations) break;
    }
    if (o.max_iterations > 0 && static_cast<int64_t>(plan.size()) >= o.max_iterations) break;
  }
  std::vector<int64_t> planned_per_epoch(o.epochs, 0);
  for (const auto& p : plan) {
    for (const auto& s : p.segments) planned_per_epoch[p.epoch] += s.count;
  }

  // Optimiser over the trainable blocks [f, L).
  model->train();
  model->apply_freeze(f);
  auto optimizer = make_optimizer(o.optimizer, trainable_parameters(model, f), o.lr, o.momentum);
  torch::manual_seed(static_cast<uint64_t>(o.seed));

  TrainProgress progress;
  progress.job = {{"dataset", o.dataset},
                  {"train_split", o.train_split},
                  {"model", o.model},
                  {"weights", spec.weights},
                  {"split", o.split},
                  {"freeze", f},
                  {"batch", o.batch},
                  {"epochs", o.epochs},
                  {"max_iterations", o.max_iterations},
                  {"optimizer", o.optimizer},
                  {"lr", o.lr},
                  {"momentum", o.momentum},
                  {"seed", o.seed}};
  progress.iterations = nlohmann::json::array();
  progress.seen.resize(o.epochs);
  if (o.resume) progress = load_checkpoint(o.checkpoint, model, f, *optimizer, progress.job);
  const std::size_t first_iteration =
      std::min(static_cast<std::size_t>(progress.next_iteration), plan.size());
  nlohmann::json& iterations = progress.iterations;
  std::vector<std::vector<int64_t>>& seen = progress.seen;
  std::string link;
  ProgressBar bar("train " + o.model + " s=" + std::to_string(o.split),
                  static_cast<int64_t>(plan.size() - first_iteration));
  const auto t_job = Clock::now();
  const double job_start_unix_s = unix_seconds();
  {
    Prefetcher prefetch(client, base,
                        std::vector<PlannedBatch>(plan.begin() + first_iteration, plan.end()),
                        requests, o.prefetch);
    auto t_prev = Clock::now();
    for (std::size_t it = first_iteration; it < plan.size(); ++it) {
      auto t_wait = Clock::now();
      FetchedBatch b = prefetch.next();
      double wait_s = seconds_since(t_wait);
      auto t_compute = Clock::now();
      torch::Tensor x = o.split == 0 ? normalise_images(b.x) : b.x;
      const int64_t faults_before = thread_page_faults();
      double loss = train_step(model, *optimizer, x, b.y, o.split, f);
      double compute_s = seconds_since(t_compute);
      const int64_t page_faults = thread_page_faults() - faults_before;
      auto ids = b.ids.contiguous();
      seen[b.epoch].insert(seen[b.epoch].end(), ids.data_ptr<int64_t>(),
                           ids.data_ptr<int64_t>() + ids.numel());
      double total_s = seconds_since(t_prev);
      t_prev = Clock::now();
      link = b.link;
      iterations.push_back({{"iteration", it},
                            {"epoch", b.epoch},
                            {"samples", b.y.size(0)},
                            {"loss", loss},
                            {"storage_wait_s", wait_s},
                            {"fetch_s", b.fetch_s},
                            {"transfer_s", b.transfer_s},
                            {"server_s", b.server_s},
                            {"server_compute_s", b.server_compute_s},
                            {"compute_s", compute_s},
                            {"page_faults", page_faults},
                            {"total_s", total_s},
                            {"bytes", b.bytes},
                            {"objects", b.objects},
                            {"attempts", b.attempts}});
      bar.advance(1, "loss " + std::to_string(loss));
      progress.next_iteration = static_cast<int64_t>(it + 1);
      if (!o.checkpoint.empty() &&
          ((it + 1) % static_cast<std::size_t>(o.checkpoint_every) == 0 || it + 1 == plan.size()))
        save_checkpoint(o.checkpoint, model, f, *optimizer, progress);
    }
  }
  bar.finish();
  const double job_s = seconds_since(t_job);
  const double job_end_unix_s = unix_seconds();

  nlohmann::json epochs = nlohmann::json::array();
  bool all_exact = true;
  for (int64_t e = 0; e < o.epochs; ++e) {
    auto& v = seen[e];
    std::sort(v.begin(), v.end());
    int64_t duplicates =
        static_cast<int64_t>(v.size()) - (std::unique(v.begin(), v.end()) - v.begin());
    int64_t unique = static_cast<int64_t>(v.size()) - duplicates;
    bool exact = duplicates == 0 && unique == planned_per_epoch[e];
    all_exact = all_exact && exact;
    if (planned_per_epoch[e] > 0) {
      epochs.push_back({{"epoch", e},
                        {"planned_samples", planned_per_epoch[e]},
                        {"unique_samples", unique},
                        {"duplicates", duplicates},
                        {"exact", exact}});
    }
  }

  // Held-out evaluation through the same split.
  nlohmann::json eval = nullptr;
  if (o.eval_samples >= 0) {
    auto eval_objects = split_objects(manifest, o.eval_split);
    auto eval_plan = plan_epoch(eval_objects, o.batch, 0, false);
    model->eval();
    torch::NoGradGuard no_grad;
    double loss_sum = 0;
    int64_t correct = 0, count = 0;
    for (const auto& segs : eval_plan) {
      auto segments = segs;
      if (o.eval_samples > 0) {
        segments = truncate_segments(segments, o.eval_samples - count);
        if (segments.empty()) break;
      }
      FetchedBatch b = fetch_batch(client, base, segments, requests);
      torch::Tensor x = o.split == 0 ? normalise_images(b.x) : b.x;
      auto logits = model->forward_range(x, o.split, L);
      loss_sum +=
          torch::nn::functional::cross_entropy(
              logits, b.y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
              .item<double>();
      correct += logits.argmax(1).eq(b.y).sum().item<int64_t>();
      count += b.y.size(0);
    }
    eval = {{"split", o.eval_split},
            {"samples", count},
            {"loss", count ? loss_sum / count : 0.0},
            {"accuracy", count ? static_cast<double>(correct) / count : 0.0}};
  }

  auto mean = [&](const char* key) {
    double s = 0;
    for (const auto& r : iterations) s += r.at(key).get<double>();
    return iterations.empty() ? 0.0 : s / static_cast<double>(iterations.size());
  };
  int64_t samples = 0, samples_now = 0;  // all, and those of this run (after a resume)
  for (const auto& r : iterations) {
    samples += r.at("samples").get<int64_t>();
    if (r.at("iteration").get<std::size_t>() >= first_iteration)
      samples_now += r.at("samples").get<int64_t>();
  }
  nlohmann::json losses = nlohmann::json::array();
  for (const auto& r : iterations) losses.push_back(r.at("loss"));
  double mean_total = mean("total_s"), mean_compute = mean("compute_s"),
         mean_wait = mean("storage_wait_s");
  return {{"config",
           {{"server", o.server},
            {"dataset", o.dataset},
            {"train_split", o.train_split},
            {"model", o.model},
            {"weights", spec.weights},
            {"weights_file", o.weights_file},
            {"skipped_tensors", skipped},
            {"num_classes", classes},
            {"resolution", resolution},
            {"blocks", L},
            {"split", o.split},
            {"freeze", f},
            {"storage_batch", o.storage_batch},
            {"batch", o.batch},
            {"requests_per_batch", requests},
            {"prefetch", o.prefetch},
            {"epochs", o.epochs},
            {"max_iterations", o.max_iterations},
            {"optimizer", o.optimizer},
            {"lr", o.lr},
            {"momentum", o.momentum},
            {"seed", o.seed},
            {"threads", torch::get_num_threads()},
            {"heap_reserve_mib", o.heap_reserve_mib},
            {"heap_reserved_bytes", heap_reserved}}},
          {"link", link},
          {"iterations", iterations},
          {"losses", losses},
          {"epochs", epochs},
          {"samples_exact", all_exact},
          {"resumed_from_iteration", first_iteration},
          {"summary",
           {{"iterations", iterations.size()},
            {"samples", samples},
            {"wall_s", job_s},
            // Wall-clock (Unix time) of the loop's start and end: several jobs' reports give
            // their common makespan.
            {"job_start_unix_s", job_start_unix_s},
            {"job_end_unix_s", job_end_unix_s},
            {"samples_per_s", job_s > 0 ? samples_now / job_s : 0.0},
            {"mean_total_s", mean_total},
            {"mean_compute_s", mean_compute},
            {"mean_storage_wait_s", mean_wait},
            {"mean_transfer_s", mean("transfer_s")},
            {"mean_server_s", mean("server_s")},
            // Time per iteration that is neither training compute nor waiting for data.
            {"mean_overhead_s", std::max(0.0, mean_total - mean_compute - mean_wait)},
            {"first_loss", losses.empty() ? nlohmann::json(nullptr) : losses.front()},
            {"last_loss", losses.empty() ? nlohmann::json(nullptr) : losses.back()}}},
          {"eval", eval}};
}

}  // namespace tiersplit::real_exec
