// group_worker.cpp: one worker's tasks — streams, frozen blocks [s, f), heads, synchronisation
// with the group's other holders, records (see group_worker.hpp).
#include "real_exec/groups/group_worker.hpp"

#include <future>
#include <map>
#include <memory>
#include <optional>
#include <tuple>

#include "common/error.hpp"
#include "common/stopwatch.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/groups/feature_cache.hpp"
#include "real_exec/groups/group_dataset.hpp"
#include "real_exec/groups/heads.hpp"
#include "real_exec/groups/piece_stream.hpp"
#include "real_exec/groups/worker_checkpoint.hpp"
#include "real_exec/groups/worker_group.hpp"
#include "real_exec/pushdown_client.hpp"
#include "real_exec/tensor_codec.hpp"

namespace tiersplit::real_exec::groups {

namespace {

using Clock = tiersplit::SteadyClock;
constexpr int64_t kClasses = 10;

/// Samples [first, first + n) of a split whose objects are `objects`, as object ranges.
std::vector<Segment> sample_range(const std::vector<ObjectRef>& objects, int64_t first, int64_t n) {
  std::vector<Segment> out;
  for (const auto& o : objects) {
    if (n <= 0) break;
    if (first >= o.samples) {
      first -= o.samples;
      continue;
    }
    const int64_t take = std::min(n, o.samples - first);
    out.push_back({o.name, first, take});
    n -= take;
    first = 0;
  }
  return out;
}

/// What a worker's pushdowns of one kind (training's, or the held-out parts') cost the server.
struct PushdownCounts {
  int64_t pushdowns = 0, bytes = 0;
  double server_compute_s = 0, server_compute_cpu_s = 0;
  void add(const Reply& r) {
    ++pushdowns;
    bytes += r.bytes;
    server_compute_s += r.server_compute_s;
    server_compute_cpu_s += r.server_compute_cpu_s;
  }
};

class Worker {
 public:
  Worker(const RunSpec& spec, int rank, int world, WorkerGroup* group, const WorkerHooks& hooks)
      : spec_(spec),
        rank_(rank),
        world_(world),
        group_(group),
        hooks_(hooks),
        client_(spec.server, spec.token, RetryPolicy{0.05, 2.0, spec.retry_timeout_s}) {}

  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  nlohmann::json run();

 private:
  void load();
  Reply fetch(const std::vector<Segment>& segments);
  Piece extract(const Reply& r);
  void run_task(const Task& t);
  void run_pass(const Task& t, std::vector<Head>& heads, const std::vector<std::size_t>& pass,
                int64_t pass_index, int64_t first_epoch);
  int64_t restore(const Task& t, std::vector<Head>& heads, const std::vector<std::size_t>& pass,
                  int64_t pass_index, const EpochMark& resume);
  void save_mark(const Task& t, const std::vector<Head>& heads,
                 const std::vector<std::size_t>& pass, const EpochMark& mark,
                 std::size_t accuracy_from);
  void train_piece(const Task& t, std::vector<Head>& heads, const std::vector<std::size_t>& active,
                   const Piece& p, int64_t epoch);
  void update(const Task& t, std::vector<Head>& heads, const std::vector<std::size_t>& which,
              int64_t count);
  void combine(const Task& t, torch::Tensor& flat);
  void evaluate(const Task& t, std::vector<Head>& heads, const std::vector<std::size_t>& which,
                int64_t epoch);
  std::vector<std::vector<Segment>> pieces(const Task& t, int64_t steps) const;
  std::vector<std::vector<std::size_t>> passes(const Task& t) const;
  int64_t pass_epochs(const Task& t, const std::vector<std::size_t>& pass) const;
  std::optional<EpochMark> resume_point(const Task& t) const;
  bool streamed(const std::vector<Segment>& piece, int64_t epoch, int64_t first) const;
  std::vector<std::vector<Segment>> stream_plan(const std::vector<Task>& tasks) const;
  int64_t global_piece(const Task& t, int64_t k, int64_t steps) const;

  const RunSpec& spec_;
  int rank_, world_;
  WorkerGroup* group_;
  const WorkerHooks& hooks_;
  RunPlan plan_;
  PushdownClient client_;
  PushdownRequest base_;
  models::BlockModel model_{nullptr};
  int64_t f_ = 0, in_features_ = 0;
  std::vector<DatasetGroup> groups_;
  std::map<std::string, std::vector<ObjectRef>> objects_;  // split -> objects
  std::map<int64_t, Piece> held_out_;     // per group: its held-out part, extracted once
  std::unique_ptr<FeatureCache> cache_;   // cached extraction: the tasks' features
  PushdownCounts training_, evaluation_;  // training's pushdowns, the held-out parts'
  std::map<int64_t, int64_t> messages_;   // GAP exchanges so far per task id (their tags)
  double busy_s_ = 0, data_wait_s_ = 0, sync_wait_s_ = 0;
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::pair<int64_t, uint64_t>> trained_;
  std::vector<std::pair<Task, std::vector<Head>>> to_evaluate_;  // evaluation "end": owned heads
  std::unique_ptr<WorkerCheckpoints> checkpoints_;
  std::unique_ptr<PieceStream> stream_;  // every streamed piece, prefetched across tasks
  nlohmann::json accuracy_ = nlohmann::json::array(), weights_ = nlohmann::json::array();
};

void Worker::load() {
  nlohmann::json manifest = client_.manifest(spec_.dataset);
  groups_ = dataset_groups(manifest);
  for (const auto& g : groups_) {
    objects_[g.train_split] = split_objects(manifest, g.train_split);
    objects_[g.test_split] = split_objects(manifest, g.test_split);
  }
  const int64_t R = manifest.at("resolution").get<int64_t>();
  model_ = make_model(ModelSpec{spec_.model, kClasses, R, spec_.weights, spec_.weights_file});
  model_->eval();
  f_ = spec_.freeze < 0 ? model_->default_freeze() : spec_.freeze;
  if (f_ < 1 || f_ > model_->size())
    fail("freeze index ", f_, " is outside 1..", model_->size(), " blocks of ", spec_.model);
  if (spec_.split > f_)
    fail("split ", spec_.split, " is past the freeze index ", f_,
         " (the server runs frozen blocks only)");
  base_.tenant = "groups-w" + std::to_string(rank_);
  base_.model = spec_.model;
  base_.weights = spec_.weights;
  base_.num_classes = kClasses;
  base_.resolution = R;
  base_.split = spec_.split;
  base_.freeze = f_;
  base_.storage_batch = spec_.storage_batch;
  torch::NoGradGuard no_grad;  // the heads' input: block f-1's output, flat
  in_features_ = model_->forward_range(torch::zeros({1, 3, R, R}), 0, f_).numel();
}

Reply Worker::fetch(const std::vector<Segment>& segments) {
  PushdownRequest r = base_;
  r.segments = segments;
  PushdownReply reply = client_.pushdown(r);
  Reply out;
  out.x = to_torch(reply.tensors.at("features"));
  out.y = to_torch(reply.tensors.at("labels"));
  out.ids = to_torch(reply.tensors.at("ids"));
  out.bytes = reply.timings.bytes;
  out.server_compute_s = reply.timings.compute_s;
  out.server_compute_cpu_s = reply.timings.compute_cpu_s;
  return out;
}

Piece Worker::extract(const Reply& r) {
  torch::NoGradGuard no_grad;
  // Split 0: the server sends the stored images (U8); they are normalised here.
  torch::Tensor x = spec_.split == 0 ? normalise_images(r.x) : r.x;
  torch::Tensor h = model_->forward_range(x, spec_.split, f_);
  return {h.reshape({h.size(0), -1}).contiguous(), r.y, r.ids.contiguous()};
}

std::vector<std::vector<Segment>> Worker::pieces(const Task& t, int64_t steps) const {
  const auto& objects = objects_.at(groups_.at(t.group).train_split);
  std::vector<std::vector<Segment>> out;
  for (int64_t k = 0; k < steps; ++k) {
    auto [a, b] = piece(t.count, k, steps);
    out.push_back(sample_range(objects, t.first + a, b - a));
  }
  return out;
}

int64_t Worker::global_piece(const Task& t, int64_t k, int64_t steps) const {
  int64_t n = 0;
  for (int64_t c : t.shard_counts) {
    auto [a, b] = piece(c, k, steps);
    n += b - a;
  }
  return n;
}

void Worker::combine(const Task& t, torch::Tensor& flat) {
  if (t.sync == Sync::kNone || group_ == nullptr) return;
  const auto t0 = Clock::now();
  if (t.sync == Sync::kAllReduce) {
    group_->all_reduce_sum(flat);
  } else {  // GAP: partial sums to the owner, the total back
    // Holders meet for a task's messages in the same order, so a count per task matches them
    // (a worker's messages of other tasks, with other holders, must not shift it).
    const int tag = static_cast<int>((t.id % 4096) * 65536 + (messages_[t.id]++ % 65536));
    if (t.owner(rank_)) {
      torch::Tensor part = torch::empty_like(flat);
      for (std::size_t h = 1; h < t.holders.size(); ++h) {
        group_->recv(part, t.holders[h], tag);
        flat += part;
      }
      for (std::size_t h = 1; h < t.holders.size(); ++h) group_->send(flat, t.holders[h], tag);
    } else {
      group_->send(flat, t.holders.front(), tag);
      group_->recv(flat, t.holders.front(), tag);
    }
  }
  sync_wait_s_ += seconds_since(t0);
}

void Worker::update(const Task& t, std::vector<Head>& heads, const std::vector<std::size_t>& which,
                    int64_t count) {
  if (which.empty()) return;
  auto t0 = Clock::now();
  std::vector<torch::Tensor> parts;
  for (std::size_t h : which) parts.push_back(heads[h].flat_gradient());
  torch::Tensor flat = torch::cat(parts);
  busy_s_ += seconds_since(t0);
  combine(t, flat);
  t0 = Clock::now();
  int64_t at = 0;
  for (std::size_t h : which) {
    const int64_t n = heads[h].parameters();
    heads[h].update(flat.narrow(0, at, n), count);
    at += n;
  }
  busy_s_ += seconds_since(t0);
}

void Worker::evaluate(const Task& t, std::vector<Head>& heads,
                      const std::vector<std::size_t>& which, int64_t epoch) {
  if (!t.owner(rank_) || which.empty()) return;
  auto it = held_out_.find(t.group);
  if (it == held_out_.end()) {
    const auto& split = groups_.at(t.group).test_split;
    const auto& objects = objects_.at(split);
    int64_t n = 0;
    for (const auto& o : objects) n += o.samples;
    auto t0 = Clock::now();
    Reply r = fetch(sample_range(objects, 0, n));
    data_wait_s_ += seconds_since(t0);
    t0 = Clock::now();
    it = held_out_.emplace(t.group, extract(r)).first;
    busy_s_ += seconds_since(t0);
    evaluation_.add(r);  // not training's (what the simulator predicts)
  }
  const Piece& test = it->second;
  const auto t0 = Clock::now();
  for (std::size_t h : which) {
    accuracy_.push_back({{"group", t.group},
                         {"config", t.configs[h]},
                         {"epoch", epoch},
                         {"correct", heads[h].correct(test.x, test.y)},
                         {"total", test.x.size(0)}});
  }
  busy_s_ += seconds_since(t0);
}

void Worker::train_piece(const Task& t, std::vector<Head>& heads,
                         const std::vector<std::size_t>& active, const Piece& p, int64_t epoch) {
  const auto t0 = Clock::now();
  for (std::size_t h : active) {
    auto& rec = trained_[std::make_tuple(t.group, t.configs[h], epoch)];
    if (!p.x.defined()) continue;
    heads[h].accumulate(p.x, p.y);
    rec.first += p.ids.size(0);
    const auto* q = p.ids.data_ptr<int64_t>();
    for (int64_t i = 0; i < p.ids.size(0); ++i) rec.second += id_mix(q[i]);
  }
  busy_s_ += seconds_since(t0);
}

/// Epochs of the configurations `pass` (indices into t.configs / heads): one stream per piece
/// and epoch feeds every head of the pass; with cached extraction, the shard's pieces are
/// streamed once, kept, and read from memory by the task's later epochs.
void Worker::run_pass(const Task& t, std::vector<Head>& heads, const std::vector<std::size_t>& pass,
                      int64_t pass_index, int64_t first_epoch) {
  const int64_t steps = steps_per_epoch(t.group_samples, spec_.batch);
  const auto segs = pieces(t, steps);
  const int64_t epochs = pass_epochs(t, pass);
  if (first_epoch > epochs) return;  // finished before a restart
  // Cached extraction keeps the task's features for its own later epochs only: tasks are
  // independent, MTP's tasks of one group on one worker too (as in Kingpin and the plans).
  const bool cached = spec_.extraction == Extraction::kCached;
  for (int64_t e = first_epoch; e <= epochs; ++e) {
    const std::size_t accuracy_from = accuracy_.size();
    std::vector<std::size_t> active, mlp, linear;
    for (std::size_t h : pass) {
      if (heads[h].config().epochs < e) continue;
      active.push_back(h);
      (heads[h].full_batch() ? linear : mlp).push_back(h);
    }
    for (int64_t k = 0; k < steps; ++k) {
      Piece p;
      if (streamed(segs[k], e, first_epoch)) {
        std::future<Reply> f = stream_->next();
        auto t0 = Clock::now();
        Reply r = f.get();
        data_wait_s_ += seconds_since(t0);
        t0 = Clock::now();
        p = extract(r);
        training_.add(r);
        busy_s_ += seconds_since(t0);
      } else if (cached && !segs[k].empty()) {
        const auto t0 = Clock::now();
        p = cache_->get(t.id, k);
        data_wait_s_ += seconds_since(t0);  // waiting for data, from the cache, not the store
      }
      if (cached && e == first_epoch) {
        const auto t0 = Clock::now();
        cache_->keep(t.id, k, p);
        busy_s_ += seconds_since(t0);
      }
      train_piece(t, heads, active, p, e);
      update(t, heads, mlp, global_piece(t, k, steps));
    }
    update(t, heads, linear, t.group_samples);
    if (spec_.evaluation != "end") evaluate(t, heads, active, e);
    if (checkpoints_) save_mark(t, heads, pass, {pass_index, e}, accuracy_from);
  }
  if (cached) cache_->drop(t.id);
}

/// Puts back the heads of pass `pass_index` and this worker's records from the checkpoints, up
/// to `resume` (or the pass's last epoch if it comes before); returns the last epoch restored.
int64_t Worker::restore(const Task& t, std::vector<Head>& heads,
                        const std::vector<std::size_t>& pass, int64_t pass_index,
                        const EpochMark& resume) {
  int64_t last = resume.epoch;
  if (pass_index < resume.pass) {
    last = 0;
    for (std::size_t h : pass) last = std::max(last, heads[h].config().epochs);
  }
  const std::vector<torch::Tensor> w = checkpoints_->weights(t.id, {pass_index, last});
  if (w.size() != pass.size())
    fail("the checkpoint of task ", t.id, " holds ", w.size(), " heads for a pass of ", pass.size(),
         "; run again without --resume");
  for (std::size_t i = 0; i < pass.size(); ++i) heads[pass[i]].set_flat_weights(w[i]);
  for (int64_t e = 1; e <= last; ++e) {
    const nlohmann::json& r = checkpoints_->records(t.id, {pass_index, e});
    for (const auto& x : r.at("trained"))
      trained_[std::make_tuple(x.at(0).get<int64_t>(), x.at(1).get<int64_t>(),
                               x.at(2).get<int64_t>())] = {
          x.at(3).get<int64_t>(), digest_value(x.at(4).get<std::string>())};
    for (const auto& a : r.at("accuracy")) accuracy_.push_back(a);
  }
  return last;
}

/// The pass's head weights and this epoch's records (samples trained per head, accuracies).
void Worker::save_mark(const Task& t, const std::vector<Head>& heads,
                       const std::vector<std::size_t>& pass, const EpochMark& mark,
                       std::size_t accuracy_from) {
  std::vector<torch::Tensor> w;
  nlohmann::json trained = nlohmann::json::array();
  for (std::size_t h : pass) {
    w.push_back(heads[h].flat_weights().contiguous());
    auto it = trained_.find(std::make_tuple(t.group, t.configs[h], mark.epoch));
    if (it == trained_.end()) continue;  // a head with fewer epochs
    trained.push_back(
        {t.group, t.configs[h], mark.epoch, it->second.first, digest_hex(it->second.second)});
  }
  nlohmann::json accuracy = nlohmann::json::array();
  for (std::size_t i = accuracy_from; i < accuracy_.size(); ++i) accuracy.push_back(accuracy_[i]);
  checkpoints_->save(t.id, mark, w, {{"trained", trained}, {"accuracy", accuracy}});
}

std::vector<std::vector<std::size_t>> Worker::passes(const Task& t) const {
  std::vector<std::vector<std::size_t>> out;
  if (spec_.extraction == Extraction::kPerConfig) {
    for (std::size_t h = 0; h < t.configs.size(); ++h) out.push_back({h});
  } else {
    out.emplace_back();
    for (std::size_t h = 0; h < t.configs.size(); ++h) out.back().push_back(h);
  }
  return out;
}

int64_t Worker::pass_epochs(const Task& t, const std::vector<std::size_t>& pass) const {
  int64_t epochs = 0;
  for (std::size_t h : pass) epochs = std::max(epochs, spec_.configs.at(t.configs[h]).epochs);
  return epochs;
}

std::optional<EpochMark> Worker::resume_point(const Task& t) const {
  if (!checkpoints_ || !hooks_.resume) return std::nullopt;
  return checkpoints_->resume_point(t.id, t.holders);
}

/// The first epoch pass `index` (of `epochs`) runs: 1, or after the last one checkpointed.
int64_t first_epoch_of(int64_t index, int64_t epochs, const std::optional<EpochMark>& resume) {
  if (!resume || index > resume->pass) return 1;
  return (index < resume->pass ? epochs : resume->epoch) + 1;
}

bool Worker::streamed(const std::vector<Segment>& piece, int64_t epoch, int64_t first) const {
  return !piece.empty() && (spec_.extraction != Extraction::kCached || epoch == first);
}

/// Every piece this worker's tasks will stream, in the order run_pass asks for them.
std::vector<std::vector<Segment>> Worker::stream_plan(const std::vector<Task>& tasks) const {
  std::vector<std::vector<Segment>> out;
  for (const Task& t : tasks) {
    const std::optional<EpochMark> resume = resume_point(t);
    const int64_t steps = steps_per_epoch(t.group_samples, spec_.batch);
    const auto segs = pieces(t, steps);
    const auto ps = passes(t);
    for (std::size_t p = 0; p < ps.size(); ++p) {
      const int64_t epochs = pass_epochs(t, ps[p]);
      const int64_t first = first_epoch_of(static_cast<int64_t>(p), epochs, resume);
      for (int64_t e = first; e <= epochs; ++e)
        for (const auto& piece : segs)
          if (streamed(piece, e, first)) out.push_back(piece);
    }
  }
  return out;
}

void Worker::run_task(const Task& t) {
  std::vector<Head> heads;
  for (int64_t c : t.configs)
    heads.emplace_back(spec_.configs.at(c), in_features_, kClasses,
                       head_seed(spec_.seed, t.group, c));
  const auto ps = passes(t);
  const std::optional<EpochMark> resume = resume_point(t);
  for (std::size_t p = 0; p < ps.size(); ++p) {
    const auto index = static_cast<int64_t>(p);
    if (resume && index <= resume->pass) restore(t, heads, ps[p], index, *resume);
    run_pass(t, heads, ps[p], index, first_epoch_of(index, pass_epochs(t, ps[p]), resume));
  }
  if (spec_.evaluation == "end" && t.owner(rank_)) to_evaluate_.emplace_back(t, heads);
  if (hooks_.keep_weights && t.owner(rank_)) {
    for (std::size_t h = 0; h < heads.size(); ++h) {
      torch::Tensor w = heads[h].flat_weights().contiguous();
      std::vector<float> v(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
      weights_.push_back({{"group", t.group}, {"config", t.configs[h]}, {"weights", v}});
    }
  }
}

nlohmann::json Worker::run() {
  const double start = unix_seconds();
  load();
  std::vector<int64_t> sizes;
  for (const auto& g : groups_) sizes.push_back(g.train_samples);
  plan_ = plan_run(spec_.strategy, spec_.placement, spec_.extraction, sizes,
                   static_cast<int64_t>(spec_.configs.size()), world_);
  const auto& tasks = plan_.workers.at(static_cast<std::size_t>(rank_));
  if (!hooks_.checkpoints.empty()) {  // read before the barrier: nobody writes marks before it
    checkpoints_ = std::make_unique<WorkerCheckpoints>(hooks_.checkpoints, rank_, world_);
    if (hooks_.resume)
      checkpoints_->load_all();
    else
      checkpoints_->clear_own();
  }
  cache_ = std::make_unique<FeatureCache>(spec_.cache == "disk", spec_.cache_dir, rank_);
  stream_ =
      std::make_unique<PieceStream>([this](const std::vector<Segment>& s) { return fetch(s); },
                                    stream_plan(tasks), spec_.prefetch);
  if (group_ != nullptr) group_->barrier();  // training starts when every worker is ready
  const double train_start = unix_seconds();
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    run_task(tasks[i]);
    if (hooks_.task_done)
      hooks_.task_done(static_cast<int64_t>(i + 1), static_cast<int64_t>(tasks.size()));
  }
  if (group_ != nullptr) group_->barrier();  // training ends when every worker is done
  const double train_end = unix_seconds();
  const int64_t cache_bytes = cache_->bytes();
  cache_.reset();  // a disk cache's folder goes with it
  for (auto& [t, heads] : to_evaluate_) {
    for (std::size_t h = 0; h < heads.size(); ++h)
      evaluate(t, heads, {h}, heads[h].config().epochs);
  }
  nlohmann::json trained = nlohmann::json::array();
  for (const auto& [key, v] : trained_) {
    trained.push_back({{"group", std::get<0>(key)},
                       {"config", std::get<1>(key)},
                       {"epoch", std::get<2>(key)},
                       {"samples", v.first},
                       {"digest", digest_hex(v.second)}});
  }
  nlohmann::json out = {
      {"rank", rank_},
      {"start_unix_s", start},
      {"train_start_unix_s", train_start},
      {"train_end_unix_s", train_end},
      {"end_unix_s", unix_seconds()},
      {"busy_s", busy_s_},
      {"data_wait_s", data_wait_s_},
      {"sync_wait_s", sync_wait_s_},
      {"pushdowns", training_.pushdowns},
      {"storage_bytes", training_.bytes},
      {"server_compute_s", training_.server_compute_s},
      {"server_compute_cpu_s", training_.server_compute_cpu_s},
      {"evaluation",
       {{"pushdowns", evaluation_.pushdowns},
        {"storage_bytes", evaluation_.bytes},
        {"server_compute_s", evaluation_.server_compute_s},
        {"server_compute_cpu_s", evaluation_.server_compute_cpu_s}}},
      {"gloo_bytes", group_ ? group_->bytes() : 0},
      {"gloo_calls", group_ ? group_->calls() : 0},
      {"cache_bytes", cache_bytes},
      {"cache_location", spec_.extraction != Extraction::kCached ? "none" : spec_.cache},
      {"trained", trained},
      {"accuracy", accuracy_}};
  if (hooks_.keep_weights) out["weights"] = weights_;
  return out;
}

}  // namespace

nlohmann::json run_worker(const RunSpec& spec, int rank, int world, WorkerGroup* group,
                          const WorkerHooks& hooks) {
  try {
    Worker w(spec, rank, world, group, hooks);
    return w.run();
  } catch (const Error& e) {
    fail("worker ", rank, ": ", e.what());
  } catch (const std::exception& e) {  // LibTorch's errors carry a backtrace after line 1
    const std::string what = e.what();
    fail("worker ", rank, ": ", what.substr(0, what.find('\n')));
  }
}

}  // namespace tiersplit::real_exec::groups
