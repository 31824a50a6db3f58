// plan.cpp: each strategy as a list of steps per worker (see plan.hpp and docs/groups.md).
#include "groups/plan.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <tuple>
#include <utility>

#include "common/units.hpp"

namespace tiersplit::groups {

namespace {
std::string syncs_of(const Step& s) {
  return s.collective >= 0 ? ", " + std::to_string(s.count) + " all-reduce(s)" : "";
}
}  // namespace

std::string describe(const Step& s) {
  std::string out = "g" + std::to_string(s.group) + " e" + std::to_string(s.epoch);
  if (s.repeat > 1) out += "-" + std::to_string(s.epoch + s.repeat - 1);
  switch (s.kind) {
    case StepKind::kStream:
      return out + " stream, " + std::to_string(s.heads) + " head(s)" + syncs_of(s);
    case StepKind::kCacheRead:
      return out + " from cache, " + std::to_string(s.heads) + " head(s)" + syncs_of(s);
    case StepKind::kCompute:
      return out + " " + s.what;
    case StepKind::kSend:
      return out + " send " + s.what;
    case StepKind::kRecv:
      return out + " recv " + s.what;
  }
  return out;
}

int64_t step_pieces(const Step& s, int64_t batch, int64_t chunks) {
  const double samples = s.collective >= 0 ? s.collective_samples : s.samples;
  const double wanted = std::ceil(samples / static_cast<double>(batch));
  return static_cast<int64_t>(std::max(1.0, std::min(static_cast<double>(chunks), wanted)));
}

const char* to_string(StepKind k) {
  switch (k) {
    case StepKind::kStream:
      return "stream";
    case StepKind::kCacheRead:
      return "cache-read";
    case StepKind::kCompute:
      return "compute";
    case StepKind::kSend:
      return "send";
    case StepKind::kRecv:
      return "recv";
  }
  return "?";
}

namespace {

/// Builds the plan of one choice; one method per strategy.
class PlanBuilder {
 public:
  PlanBuilder(const GroupsPoint& point, const GroupsCosts& costs, const GroupsChoice& choice)
      : pt_(point), c_(costs), ch_(choice), P_(static_cast<int>(point.platform.compute.nodes)) {
    plan_.choice = choice;
    plan_.workers.resize(static_cast<std::size_t>(P_));
    cache_.assign(plan_.workers.size(), 0.0);
    heads_memory_.assign(plan_.workers.size(), 0.0);
  }

  Plan build() {
    if (ch_.strategy == Strategy::kMtp && ch_.extraction == Extraction::kShared) {
      infeasible(
          "a shared stream feeds the configurations of a group on one worker; MTP "
          "trains each (group, configuration) alone");
      return std::move(plan_);
    }
    switch (ch_.strategy) {
      case Strategy::kMtp:
        mtp();
        break;
      case Strategy::kGtp:
        gtp(all_groups());
        break;
      case Strategy::kDp:
        dp(all_groups());
        break;
      case Strategy::kSp:
        sp();
        break;
      case Strategy::kGl:
        gl();
        break;
    }
    check_memory();
    return std::move(plan_);  // the builder is used once; plans are built by the hundred
  }

 private:
  // ---- sizes, configurations, costs --------------------------------------------------------

  const std::vector<int64_t>& sizes() const { return pt_.workload.group_sizes; }
  std::vector<int64_t> all_groups() const {
    std::vector<int64_t> g(sizes().size());
    std::iota(g.begin(), g.end(), 0);
    return g;
  }
  int64_t epochs(int c) const { return c_.heads[static_cast<std::size_t>(c)].epochs; }
  int64_t max_epochs() const { return pt_.workload.max_epochs(); }
  /// Configurations still training in epoch e (1-based).
  std::vector<int> alive(int64_t e) const {
    std::vector<int> out;
    for (std::size_t c = 0; c < c_.heads.size(); ++c) {
      if (c_.heads[c].epochs >= e) out.push_back(static_cast<int>(c));
    }
    return out;
  }
  /// Epochs [first, first + count) with the same configurations alive, from epoch `from`.
  std::vector<std::pair<int64_t, int64_t>> segments(int64_t from) const {
    std::vector<std::pair<int64_t, int64_t>> out;
    for (int64_t e = from; e <= max_epochs(); ++e) {
      if (!out.empty() && alive(e) == alive(out.back().first))
        out.back().second += 1;
      else
        out.emplace_back(e, 1);
    }
    return out;
  }
  std::vector<int> configs_of_kind(const std::vector<int>& configs, bool full_batch) const {
    std::vector<int> out;
    for (int c : configs) {
      if (c_.heads[static_cast<std::size_t>(c)].full_batch == full_batch) out.push_back(c);
    }
    return out;
  }
  double heads_memory(const std::vector<int>& configs) const {
    double m = 0;
    for (int c : configs) m += c_.heads[static_cast<std::size_t>(c)].memory_bytes;
    return m;
  }
  double per_sample_estimate() const {
    const double bw = pt_.platform.network.bandwidth;
    return std::max(
               {c_.storage_s_per_sample, c_.sent_bytes_per_sample / bw, c_.extract_s_per_sample}) +
           1e-12;
  }

  // ---- emitting steps ----------------------------------------------------------------------

  std::vector<Step>& steps(int w) { return plan_.workers[static_cast<std::size_t>(w)]; }

  void stream(int w, int64_t g, double samples, int64_t epoch, const std::vector<int>& heads,
              double heads_samples, int64_t repeat, bool write_cache) {
    Step s;
    s.kind = StepKind::kStream;
    s.group = g;
    s.epoch = epoch;
    s.repeat = repeat;
    s.samples = samples * static_cast<double>(repeat);
    // Workers cut every holder's part of a group into the group's mini-batches (one request each).
    const int64_t B = c_.batch, n = sizes()[static_cast<std::size_t>(g)];
    const auto requests = static_cast<double>(std::max<int64_t>(1, (n + B - 1) / B) * repeat);
    const double per_node = s.samples / static_cast<double>(pt_.platform.storage.nodes);
    if (per_node != last_pushdown_.samples || requests != last_pushdown_.requests)
      last_pushdown_ = {per_node, requests, c_.pushdown_s(per_node, requests),
                        c_.reads_s(per_node, requests)};
    s.storage_s = last_pushdown_.storage_s;
    s.reads_s = last_pushdown_.reads_s;
    s.compute_s = s.samples * c_.extract_s_per_sample +
                  static_cast<double>(repeat) * c_.heads_s(heads, heads_samples);
    if (write_cache) s.cache_write_bytes = samples * c_.feature_bytes_per_sample;
    s.heads = static_cast<int>(heads.size());
    plan_.stream_samples += s.samples;
    steps(w).push_back(s);
  }

  void cache_read(int w, int64_t g, double samples, int64_t epoch, const std::vector<int>& heads,
                  double heads_samples, int64_t repeat) {
    Step s;
    s.kind = StepKind::kCacheRead;
    s.group = g;
    s.epoch = epoch;
    s.repeat = repeat;
    s.samples = samples * static_cast<double>(repeat);
    s.cache_read_bytes = s.samples * c_.feature_bytes_per_sample;
    s.compute_s = static_cast<double>(repeat) * c_.heads_s(heads, heads_samples);
    s.heads = static_cast<int>(heads.size());
    steps(w).push_back(s);
  }

  void compute(int w, int64_t g, int64_t epoch, double seconds, const std::string& what) {
    Step s;
    s.kind = StepKind::kCompute;
    s.group = g;
    s.epoch = epoch;
    s.compute_s = seconds;
    s.what = what;
    steps(w).push_back(s);
  }

  /// An all-reduce of `count` calls and `bytes` per participant, spread over the last step of
  /// every worker (the pass it synchronises).
  void attach_collective(int64_t count, double bytes) {
    if (count == 0) return;
    const auto id = static_cast<int64_t>(plan_.collective_participants.size());
    plan_.collective_participants.push_back(P_);
    double largest = 0;
    for (int w = 0; w < P_; ++w) largest = std::max(largest, steps(w).back().samples);
    for (int w = 0; w < P_; ++w) {
      Step& s = steps(w).back();
      s.collective_samples = largest;
      s.collective = id;
      s.count = count;
      s.bytes = bytes;
    }
    plan_.syncs += count;
    plan_.sync_bytes += bytes * static_cast<double>(P_);
  }

  /// A message from `from` to `to`: the send on one, the recv on the other, one tag.
  void message(int from, int to, int64_t g, int64_t epoch, double bytes, const std::string& what,
               bool emit_send, bool emit_recv) {
    const auto key = std::make_tuple(g, epoch, from, to, what);
    auto [it, fresh] = tags_.emplace(key, static_cast<int64_t>(tags_.size()));
    if (fresh) {
      plan_.syncs += 1;
      plan_.sync_bytes += bytes;
    }
    Step s;
    s.group = g;
    s.epoch = epoch;
    s.bytes = bytes;
    s.count = 1;
    s.tag = it->second;
    s.what = what;
    if (emit_send) {
      s.kind = StepKind::kSend;
      s.peer = to;
      steps(from).push_back(s);
    }
    if (emit_recv) {
      s.kind = StepKind::kRecv;
      s.peer = from;
      steps(to).push_back(s);
    }
  }

  // ---- a whole group (or a DP shard) on one worker, all its epochs ---------------------------

  /// GTP and MTP: `samples` of group g on worker w, configurations `configs` (their own
  /// epochs), every epoch back to back.
  void whole(int w, int64_t g, double samples, const std::vector<int>& configs) {
    const double feat = samples * c_.feature_bytes_per_sample;
    switch (ch_.extraction) {
      case Extraction::kPerConfig:
        for (int c : configs) stream(w, g, samples, 1, {c}, samples, epochs(c), false);
        break;
      case Extraction::kShared:
        for (auto [e, k] : segments(1))
          stream(w, g, samples, e, filter(configs, e), samples, k, false);
        break;
      case Extraction::kCached: {
        cache_[static_cast<std::size_t>(w)] = std::max(cache_[static_cast<std::size_t>(w)], feat);
        stream(w, g, samples, 1, filter(configs, 1), samples, 1, true);
        for (auto [e, k] : segments(2))
          cache_read(w, g, samples, e, filter(configs, e), samples, k);
        break;
      }
    }
    note_heads(
        w, ch_.extraction == Extraction::kPerConfig ? max_head(configs) : heads_memory(configs));
  }

  std::vector<int> filter(const std::vector<int>& configs, int64_t e) const {
    std::vector<int> out;
    for (int c : configs) {
      if (epochs(c) >= e) out.push_back(c);
    }
    return out;
  }
  double max_head(const std::vector<int>& configs) const {
    double m = 0;
    for (int c : configs) m = std::max(m, c_.heads[static_cast<std::size_t>(c)].memory_bytes);
    return m;
  }
  void note_heads(int w, double bytes) {
    auto& m = heads_memory_[static_cast<std::size_t>(w)];
    m = std::max(m, bytes);
  }

  // ---- strategies ----------------------------------------------------------------------------

  void mtp() {
    std::vector<std::pair<int64_t, int>> tasks;
    std::vector<double> weight;
    for (int64_t g : all_groups()) {
      for (std::size_t c = 0; c < c_.heads.size(); ++c) {
        tasks.emplace_back(g, static_cast<int>(c));
        weight.push_back(static_cast<double>(sizes()[static_cast<std::size_t>(g)]) *
                         static_cast<double>(c_.heads[c].epochs) * per_sample_estimate());
      }
    }
    const auto assigned = longest_first(weight, P_);
    for (int w = 0; w < P_; ++w) {
      for (std::size_t t : assigned[static_cast<std::size_t>(w)]) {
        const auto [g, c] = tasks[t];
        whole(w, g, static_cast<double>(sizes()[static_cast<std::size_t>(g)]), {c});
      }
    }
  }

  void gtp(const std::vector<int64_t>& groups) {
    std::vector<double> weight;
    double epochs_sum = 0;
    for (const auto& h : c_.heads) epochs_sum += static_cast<double>(h.epochs);
    for (int64_t g : groups)
      weight.push_back(static_cast<double>(sizes()[static_cast<std::size_t>(g)]) * epochs_sum);
    const auto assigned = longest_first(weight, P_);
    const std::vector<int> configs = alive(1);
    for (int w = 0; w < P_; ++w) {
      for (std::size_t i : assigned[static_cast<std::size_t>(w)]) {
        const int64_t g = groups[i];
        whole(w, g, static_cast<double>(sizes()[static_cast<std::size_t>(g)]), configs);
      }
    }
  }

  /// DP: every group over all workers, one group after another; an all-reduce per update.
  void dp(const std::vector<int64_t>& groups) {
    for (int64_t g : groups) dp_group(g);
  }

  double shard(int64_t g, int w) const {
    const int64_t n = sizes()[static_cast<std::size_t>(g)];
    return static_cast<double>(n / P_ + (w < n % P_ ? 1 : 0));
  }

  /// The all-reduces of configurations `configs` over `k` epochs of group g.
  std::pair<int64_t, double> dp_syncs(int64_t g, const std::vector<int>& configs, int64_t k) const {
    const double n = static_cast<double>(sizes()[static_cast<std::size_t>(g)]);
    int64_t count = 0;
    double bytes = 0;
    for (int c : configs) {
      const HeadCosts& h = c_.heads[static_cast<std::size_t>(c)];
      const int64_t u = h.updates(n, c_.batch) * k;
      count += u;
      bytes += static_cast<double>(u) * h.gradient_bytes;
    }
    return {count, bytes};
  }

  /// Head compute on a DP shard: its samples, but the group's updates (every worker applies the
  /// all-reduced gradient).
  double dp_heads_s(int64_t g, int w, const std::vector<int>& configs) const {
    const double n = static_cast<double>(sizes()[static_cast<std::size_t>(g)]);
    double t = 0;
    for (int c : configs) {
      const HeadCosts& h = c_.heads[static_cast<std::size_t>(c)];
      t += shard(g, w) * h.train_s_per_sample +
           static_cast<double>(h.updates(n, c_.batch)) * h.update_s;
    }
    return t;
  }

  void dp_pass(int64_t g, int64_t e, int64_t k, const std::vector<int>& configs, bool from_cache,
               bool write_cache) {
    for (int w = 0; w < P_; ++w) {
      const double n = shard(g, w);
      if (from_cache)
        cache_read(w, g, n, e, configs, n, k);
      else
        stream(w, g, n, e, configs, n, k, write_cache);
      // stream()/cache_read() priced the heads by the shard's own updates; use the group's.
      Step& s = steps(w).back();
      s.compute_s += static_cast<double>(k) * (dp_heads_s(g, w, configs) - c_.heads_s(configs, n));
    }
    auto [count, bytes] = dp_syncs(g, configs, k);
    attach_collective(count, bytes);
  }

  void dp_group(int64_t g) {
    const std::vector<int> all = alive(1);
    for (int w = 0; w < P_; ++w) {
      const double feat = shard(g, w) * c_.feature_bytes_per_sample;
      if (ch_.extraction == Extraction::kCached)
        cache_[static_cast<std::size_t>(w)] = std::max(cache_[static_cast<std::size_t>(w)], feat);
      note_heads(w, ch_.extraction == Extraction::kPerConfig ? max_head(all) : heads_memory(all));
    }
    switch (ch_.extraction) {
      case Extraction::kPerConfig:
        for (int c : all) dp_pass(g, 1, epochs(c), {c}, false, false);
        break;
      case Extraction::kShared:
        for (auto [e, k] : segments(1)) dp_pass(g, e, k, filter(all, e), false, false);
        break;
      case Extraction::kCached:
        dp_pass(g, 1, 1, filter(all, 1), false, true);
        for (auto [e, k] : segments(2)) dp_pass(g, e, k, filter(all, e), true, false);
        break;
    }
  }

  /// SP: DP for the groups above the median size, GTP for the others.
  void sp() {
    std::vector<int64_t> sorted = sizes();
    std::sort(sorted.begin(), sorted.end());
    const double median =
        sorted.size() % 2 == 1
            ? static_cast<double>(sorted[sorted.size() / 2])
            : 0.5 * static_cast<double>(sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]);
    std::vector<int64_t> big, small;
    for (int64_t g : all_groups())
      (static_cast<double>(sizes()[static_cast<std::size_t>(g)]) > median ? big : small)
          .push_back(g);
    dp(big);
    gtp(small);
  }

  // ---- grouped learning ----------------------------------------------------------------------

  /// Per worker, its parts: groups it owns a shard of first, then whole groups, then the shards
  /// it does not own (their owner's model arrives meanwhile; owners wait only on earlier epochs).
  Placement2D ordered_placement() const {
    Placement2D p =
        ch_.placement == Placement::kWrapAround ? wrap_around(sizes(), P_) : balanced(sizes(), P_);
    auto rank = [](const Share& s) { return s.holders == 1 ? 1 : (s.holder == 0 ? 0 : 2); };
    for (auto& worker : p)
      std::stable_sort(worker.begin(), worker.end(),
                       [&](const Share& a, const Share& b) { return rank(a) < rank(b); });
    return p;
  }

  void gl() {
    const Placement2D p = ordered_placement();
    std::vector<int64_t> sharded;
    for (const auto& worker : p) {
      for (const Share& s : worker) {
        if (s.holders > 1 && s.holder == 0) sharded.push_back(s.group);
      }
    }
    plan_.sharded_groups = static_cast<int64_t>(sharded.size());
    const bool hops = !configs_of_kind(alive(1), false).empty();
    for (int w = 0; w < P_; ++w) {
      double cache = 0, heads = 0, buffer = 0;
      for (const Share& s : p[static_cast<std::size_t>(w)]) {
        const double feat = static_cast<double>(s.samples) * c_.feature_bytes_per_sample;
        cache += feat;
        heads += heads_memory(alive(1));  // every part's models live across the epochs
        // With a shared stream, a shard's features stay for the epoch while the models visit.
        if (s.holders > 1 && hops && ch_.extraction == Extraction::kShared)
          buffer = std::max(buffer, feat);
      }
      if (ch_.extraction == Extraction::kCached) cache_[static_cast<std::size_t>(w)] = cache;
      note_heads(w, heads + buffer);
    }
    for (int64_t e = 1; e <= max_epochs(); ++e) {
      for (int w = 0; w < P_; ++w) {
        for (const Share& s : p[static_cast<std::size_t>(w)]) gl_epoch(w, s, e);
      }
    }
    for (int w = 0; w < P_; ++w) {  // the owners' last updates of the full-batch heads
      for (const Share& s : p[static_cast<std::size_t>(w)]) {
        if (s.holders > 1 && s.holder == 0) gap_owner_update(s, max_epochs() + 1);
      }
    }
  }

  /// Epoch e of the part `s` on worker w.
  void gl_epoch(int w, const Share& s, int64_t e) {
    const std::vector<int> configs = alive(e);
    if (configs.empty()) return;
    const double n = static_cast<double>(s.samples);
    if (s.holders == 1) {
      gl_local(w, s.group, n, e, configs);
      return;
    }
    const std::vector<int> linear = configs_of_kind(configs, true);
    const std::vector<int> mlp = configs_of_kind(configs, false);
    if (s.holder == 0)
      gap_owner_update(s, e);
    else if (e > 1 && !configs_of_kind(alive(e - 1), true).empty())
      message(s.workers[0], w, s.group, e - 1, model_bytes(configs_of_kind(alive(e - 1), true)),
              "model", false, true);
    // The shard's features for this epoch: one pass feeds the full-batch heads and, shared or
    // cached, stays for the mini-batch heads' visits.
    if (ch_.extraction == Extraction::kPerConfig || mlp.empty())
      gl_local(w, s.group, n, e, linear);
    else if (ch_.extraction == Extraction::kShared || e == 1)
      stream(w, s.group, n, e, linear, n, 1, ch_.extraction == Extraction::kCached);
    else if (!linear.empty())
      cache_read(w, s.group, n, e, linear, n, 1);
    if (!linear.empty() && s.holder > 0)
      message(w, s.workers[0], s.group, e, gradient_bytes(linear), "partials", true, false);
    if (!mlp.empty()) gap_hops(w, s, e, mlp);
  }

  /// Epoch e of `n` samples of group g on worker w for `configs`, as the extraction mode says.
  void gl_local(int w, int64_t g, double n, int64_t e, const std::vector<int>& configs) {
    if (configs.empty()) return;
    switch (ch_.extraction) {
      case Extraction::kPerConfig:
        for (int c : configs) stream(w, g, n, e, {c}, n, 1, false);
        break;
      case Extraction::kShared:
        stream(w, g, n, e, configs, n, 1, false);
        break;
      case Extraction::kCached:
        if (e == 1)
          stream(w, g, n, e, configs, n, 1, true);
        else
          cache_read(w, g, n, e, configs, n, 1);
        break;
    }
  }

  /// The owner of a sharded group, before its shard's epoch e: the partial gradients of epoch
  /// e - 1 from every other holder, the update, the models back (full-batch heads).
  void gap_owner_update(const Share& s, int64_t e) {
    if (e < 2) return;
    const std::vector<int> linear = configs_of_kind(alive(e - 1), true);
    if (linear.empty()) return;
    for (std::size_t j = 1; j < s.workers.size(); ++j)
      message(s.workers[j], s.workers[0], s.group, e - 1, gradient_bytes(linear), "partials", false,
              true);
    double update = 0;
    for (int c : linear) update += c_.heads[static_cast<std::size_t>(c)].update_s;
    compute(s.workers[0], s.group, e - 1, update, "update");
    if (e > max_epochs()) return;  // after the last epoch the models stay with the owner
    for (std::size_t j = 1; j < s.workers.size(); ++j)
      message(s.workers[0], s.workers[j], s.group, e - 1, model_bytes(linear), "model", true,
              false);
  }

  /// Mini-batch heads of a sharded group hop: each configuration's model trains on the holders'
  /// shards in turn (one holder at a time), then starts the next epoch at the owner.
  void gap_hops(int w, const Share& s, int64_t e, const std::vector<int>& mlp) {
    const double n = static_cast<double>(s.samples);
    const int k = s.holders, i = s.holder;
    for (int c : mlp) {
      const HeadCosts& h = c_.heads[static_cast<std::size_t>(c)];
      const std::string what = "model of configuration " + std::to_string(c);
      if (i > 0)
        message(s.workers[static_cast<std::size_t>(i - 1)], w, s.group, e, h.model_bytes, what,
                false, true);
      else if (e > 1)
        message(s.workers[static_cast<std::size_t>(k - 1)], w, s.group, e - 1, h.model_bytes, what,
                false, true);
      switch (ch_.extraction) {  // the features: streamed for it, or kept from this epoch's pass
        case Extraction::kPerConfig:
          stream(w, s.group, n, e, {c}, n, 1, false);
          break;
        case Extraction::kShared:
          compute(w, s.group, e, c_.heads_s({c}, n), "heads");
          break;
        case Extraction::kCached:
          cache_read(w, s.group, n, e, {c}, n, 1);
          break;
      }
      if (i + 1 < k)
        message(w, s.workers[static_cast<std::size_t>(i + 1)], s.group, e, h.model_bytes, what,
                true, false);
      else if (e < h.epochs)
        message(w, s.workers[0], s.group, e, h.model_bytes, what, true, false);
    }
  }

  double gradient_bytes(const std::vector<int>& configs) const {
    double b = 0;
    for (int c : configs) b += c_.heads[static_cast<std::size_t>(c)].gradient_bytes;
    return b;
  }
  double model_bytes(const std::vector<int>& configs) const {
    double b = 0;
    for (int c : configs) b += c_.heads[static_cast<std::size_t>(c)].parameters * 4.0;
    return b;
  }

  // ---- memory ----------------------------------------------------------------------------------

  void check_memory() {
    if (!plan_.feasible) return;
    const auto& st = pt_.platform.storage;
    const auto& cp = pt_.platform.compute;
    const double pushdowns = static_cast<double>(P_) * c_.pushdown_memory_bytes;
    if (pushdowns > st.memory_bytes) {
      infeasible(std::to_string(P_) + " concurrent pushdowns (one per worker) need " +
                 format_bytes(pushdowns) + ", a storage node has " + format_bytes(st.memory_bytes));
      return;
    }
    double worst = 0, cache = 0;
    for (std::size_t w = 0; w < plan_.workers.size(); ++w) {
      worst = std::max(worst, c_.extract_memory_bytes + heads_memory_[w]);
      cache = std::max(cache, cache_[w]);
    }
    plan_.cache_bytes = cache;
    if (worst > cp.memory_bytes) {
      infeasible("a worker needs " + format_bytes(worst) +
                 " for the extraction and the heads it trains at once, it has " +
                 format_bytes(cp.memory_bytes));
      return;
    }
    plan_.worker_memory_bytes = worst;
    if (cache <= 0) return;
    if (worst + cache <= cp.memory_bytes) {
      plan_.cache_location = "memory";
      plan_.worker_memory_bytes = worst + cache;
    } else if (cache <= cp.disk_bytes) {
      plan_.cache_location = "disk";
    } else {
      infeasible("a worker's cache of " + format_bytes(cache) + " fits neither its memory (" +
                 format_bytes(cp.memory_bytes - worst) + " free) nor its disk (" +
                 format_bytes(cp.disk_bytes) + ", /platform/compute/disk)");
    }
  }

  void infeasible(const std::string& why) {
    plan_.feasible = false;
    plan_.why = why;
  }

  /// The last stream's pushdown costs: consecutive streams often repeat them (a group's
  /// configurations under MTP, equal shards under DP), and plans are built by the hundred.
  struct {
    double samples = -1, requests = -1, storage_s = 0, reads_s = 0;
  } last_pushdown_;
  const GroupsPoint& pt_;
  const GroupsCosts& c_;
  const GroupsChoice& ch_;
  const int P_;
  Plan plan_;
  std::vector<double> cache_, heads_memory_;
  std::map<std::tuple<int64_t, int64_t, int, int, std::string>, int64_t> tags_;
};

}  // namespace

Plan build_plan(const GroupsPoint& point, const GroupsCosts& costs, const GroupsChoice& choice) {
  return PlanBuilder(point, costs, choice).build();
}

}  // namespace tiersplit::groups
