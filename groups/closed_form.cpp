// closed_form.cpp: groups plans in closed form (see closed_form.hpp and docs/groups.md).
#include "groups/closed_form.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/fair_share.hpp"

namespace tiersplit::groups {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// Stages that a step's pieces go through one after another, pipelined: the first piece through
/// all, then the slowest stage once per further piece.
double pipelined(const std::vector<double>& stages, double k) {
  double sum = 0, top = 0;
  for (double s : stages) {
    sum += s;
    top = std::max(top, s);
  }
  return sum / k + (k - 1) / k * top;
}

/// A ring all-reduce of `bytes` per participant among `p`, `count` calls.
double collective_s(double bytes, int64_t count, int p, const sim::ComputeNetworkParams& net) {
  if (p <= 1) return 0;
  const double steps = 2.0 * (p - 1);
  return static_cast<double>(count) * (steps * net.latency_s + net.collective_overhead_s) +
         steps / p * bytes / net.bandwidth;
}

struct StreamStages {
  double storage = 0, network = 0, worker = 0;
};

StreamStages stream_stages(const Step& s, const GroupsCosts& c, const GroupsPoint& pt,
                           const std::string& cache_location) {
  const auto& st = pt.platform.storage;
  const double K = static_cast<double>(st.nodes);
  const double per_node = s.samples / K;  // a group's objects are spread over the nodes
  StreamStages g;
  g.storage = s.storage_s + per_node * c.read_bytes_per_sample / st.disk_bandwidth + s.reads_s;
  g.network = pt.platform.network.latency_s +
              per_node * c.sent_bytes_per_sample / pt.platform.network.path_bandwidth();
  g.worker = s.compute_s;
  if (cache_location == "disk")
    g.worker += s.cache_write_bytes / pt.platform.compute.disk_bandwidth;
  return g;
}

}  // namespace

/// The all-reduce a stream or cache read carries (DP), alone: every call's latency, the ring.
double step_sync_s(const Step& s, const GroupsPoint& pt) {
  if (s.collective < 0) return 0;
  return collective_s(s.bytes, s.count, static_cast<int>(pt.platform.compute.nodes),
                      pt.platform.compute_network);
}

double step_alone_s(const Step& s, const GroupsCosts& c, const GroupsPoint& pt,
                    const std::string& cache_location, int64_t chunks) {
  const auto& net = pt.platform.compute_network;
  switch (s.kind) {
    case StepKind::kStream: {  // an all-reduce, if any, overlaps the next pieces' reads
      const auto pieces = static_cast<double>(step_pieces(s, c.batch, chunks));
      const StreamStages g = stream_stages(s, c, pt, cache_location);
      return pipelined({g.storage, g.network, g.worker + step_sync_s(s, pt)}, pieces);
    }
    case StepKind::kCacheRead: {
      const double read =
          cache_location == "disk" ? s.cache_read_bytes / pt.platform.compute.disk_bandwidth : 0.0;
      return pipelined({read, s.compute_s + step_sync_s(s, pt)},
                       static_cast<double>(step_pieces(s, c.batch, chunks)));
    }
    case StepKind::kCompute:
      return s.compute_s;
    case StepKind::kSend:
      return 0;  // not waited for
    case StepKind::kRecv:
      return net.latency_s + s.bytes / net.bandwidth;
  }
  return 0;
}

GroupsOutcome plan_totals(const Plan& plan, const GroupsCosts& c, int64_t nodes) {
  GroupsOutcome o;
  o.feasible = plan.feasible;
  o.why = plan.why;
  o.storage_to_compute_bytes = plan.stream_samples * c.sent_bytes_per_sample;
  o.storage_compute_s = 0;
  for (const auto& steps : plan.workers)
    for (const Step& s : steps) o.storage_compute_s += s.storage_s;
  o.storage_compute_s *= static_cast<double>(nodes);
  o.syncs = plan.syncs;
  o.sync_bytes = plan.sync_bytes;
  o.cache_bytes = plan.cache_bytes;
  o.cache_location = plan.cache_location;
  return o;
}

namespace {

/// A stretch of one worker's steps and its demand on the shared resources (storage node compute
/// and disk, each node's path), in seconds of resource time.
struct WorkerLoad {
  double own = 0, busy = 0, storage = 0, disk = 0, path = 0, sync = 0;

  void add(const WorkerLoad& o) {
    own += o.own, busy += o.busy, storage += o.storage, disk += o.disk, path += o.path;
    sync += o.sync;
  }
};

/// At most about this many segments per worker: enough to keep a long first epoch that streams
/// apart from the cache reads after it, few enough for the phases to stay cheap.
constexpr double kSegmentsPerWorker = 8;

/// One worker's steps as segments: a segment ends where the worker switches between streaming
/// and not, once it holds 1/8 of the worker's own time. A first epoch that streams and later
/// epochs that read a cache load the shared tier in their own phase, not spread over the run;
/// many short groups that alternate average out within a segment.
std::vector<WorkerLoad> worker_segments(const std::vector<Step>& steps, const GroupsCosts& c,
                                        const GroupsPoint& pt, const std::string& cache_location,
                                        int64_t chunks) {
  const auto& st = pt.platform.storage;
  const double K = static_cast<double>(st.nodes);
  std::vector<WorkerLoad> loads;
  double total = 0;
  for (const Step& s : steps) {
    WorkerLoad l;
    const double t = step_alone_s(s, c, pt, cache_location, chunks);
    l.own = t;
    l.busy = s.compute_s;
    l.sync = s.kind == StepKind::kRecv ? t : step_sync_s(s, pt);
    if (s.kind == StepKind::kStream) {
      const double per_node = s.samples / K;
      l.storage = s.storage_s;
      l.disk = per_node * c.read_bytes_per_sample / st.disk_bandwidth;
      l.path = per_node * c.sent_bytes_per_sample / pt.platform.network.path_bandwidth();
    }
    total += t;
    loads.push_back(l);
  }
  std::vector<WorkerLoad> segs;
  bool last_streams = false;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const bool streams = steps[i].kind == StepKind::kStream;
    if (segs.empty() || (streams != last_streams && segs.back().own >= total / kSegmentsPerWorker))
      segs.emplace_back();
    last_streams = streams;
    segs.back().add(loads[i]);
  }
  return segs;
}

WorkerLoad total_of(const std::vector<WorkerLoad>& segs) {
  WorkerLoad t;
  for (const auto& s : segs) t.add(s);
  return t;
}

/// When each worker finishes its segments, all started together: the storage nodes and their
/// paths shared by water-filling, in phases as a worker ends a segment (its demand changes) or
/// finishes (it leaves its share).
std::vector<double> shared_finish(const std::vector<std::vector<WorkerLoad>>& workers,
                                  double slots) {
  const std::size_t P = workers.size();
  std::vector<sim::SharedResource> res = {sim::SharedResource::of("storage", slots, P),
                                          sim::SharedResource::of("storage", 1, P),
                                          sim::SharedResource::of("network", 1, P)};
  std::vector<std::size_t> seg(P, 0);
  std::vector<double> left(P, 0.0), finish(P, 0.0);
  auto enter = [&](std::size_t w) {  // the worker's next non-empty segment, or done
    while (seg[w] < workers[w].size() && workers[w][seg[w]].own <= 0) ++seg[w];
    if (seg[w] >= workers[w].size()) return;
    const WorkerLoad& l = workers[w][seg[w]];
    left[w] = l.own;  // demands per second of the worker's own time
    res[0].demand[w] = l.storage / l.own;
    res[1].demand[w] = l.disk / l.own;
    res[2].demand[w] = l.path / l.own;
  };
  for (std::size_t w = 0; w < P; ++w) enter(w);
  double t = 0;
  for (;;) {
    std::vector<double> rate(P, 0.0);
    for (std::size_t w = 0; w < P; ++w) rate[w] = left[w] > 0 ? 1.0 : 0.0;
    sim::water_fill(rate, res, [](const auto&, const auto&) { return false; });
    double step = kInf;
    for (std::size_t w = 0; w < P; ++w)
      if (left[w] > 0 && rate[w] > 0) step = std::min(step, left[w] / rate[w]);
    if (step == kInf) break;
    t += step;
    for (std::size_t w = 0; w < P; ++w) {
      if (left[w] <= 0) continue;
      const double own = workers[w][seg[w]].own;
      left[w] -= rate[w] * step;
      if (left[w] > 1e-12 * own) continue;
      left[w] = 0;
      finish[w] = t;
      ++seg[w];
      enter(w);
    }
  }
  return finish;
}

std::string bottleneck_of(const std::vector<WorkerLoad>& loads, const GroupsOutcome& o,
                          double slots) {
  double storage = 0, path = 0, busy = 0, sync = 0, own_max = 0, own_mean = 0;
  for (const auto& l : loads) {
    storage += l.storage / slots;
    path += l.path;
    busy = std::max(busy, l.busy);
    sync = std::max(sync, l.sync);
    own_max = std::max(own_max, l.own);
    own_mean += l.own / static_cast<double>(loads.size());
  }
  const double m = o.makespan_s;
  if (own_max > 1.5 * own_mean && own_max > 0.8 * m) return "skew";
  if (storage >= 0.8 * m && storage >= path) return "storage";
  if (path >= 0.8 * m) return "network";
  if (sync >= 0.3 * m) return "sync";
  return "compute";
}

}  // namespace

GroupsOutcome estimate_plan(const Plan& plan, const GroupsCosts& c, const GroupsPoint& pt,
                            int64_t chunks) {
  GroupsOutcome o = plan_totals(plan, c, pt.platform.storage.nodes);
  if (!plan.feasible) return o;
  const std::size_t P = plan.workers.size();
  const double slots = static_cast<double>(pt.platform.storage.slots());
  std::vector<std::vector<WorkerLoad>> segments;
  std::vector<WorkerLoad> loads;
  for (const auto& steps : plan.workers) {
    segments.push_back(worker_segments(steps, c, pt, plan.cache_location, chunks));
    loads.push_back(total_of(segments.back()));
  }
  const std::vector<double> finish = shared_finish(segments, slots);
  for (std::size_t w = 0; w < P; ++w) o.makespan_s = std::max(o.makespan_s, finish[w]);
  for (std::size_t w = 0; w < P; ++w) {
    WorkerTimes wt;
    wt.own_s = loads[w].own;
    wt.finish_s = finish[w];
    wt.busy_s = loads[w].busy;
    wt.waiting_s = std::max(0.0, finish[w] - loads[w].busy);
    wt.idle_s = o.makespan_s - finish[w];
    o.workers.push_back(wt);
  }
  o.bottleneck = bottleneck_of(loads, o, slots);
  return o;
}

}  // namespace tiersplit::groups
