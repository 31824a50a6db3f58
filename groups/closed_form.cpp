// closed_form.cpp: groups plans in closed form (see closed_form.hpp and docs/groups.md).
#include "groups/closed_form.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/fair_share.hpp"

namespace tiersplit::groups {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// Pieces a stream or cache read of `samples` is cut into (at most `chunks`, one per batch).
double pieces(double samples, int64_t batch, int64_t chunks) {
  return std::max(1.0, std::min(static_cast<double>(chunks),
                                std::ceil(samples / static_cast<double>(batch))));
}

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
  g.storage = per_node * (c.storage_s_per_sample + c.request_overhead_s_per_sample +
                          c.read_bytes_per_sample / st.disk_bandwidth);
  g.network = pt.platform.network.latency_s +
              per_node * c.sent_bytes_per_sample / pt.platform.network.path_bandwidth();
  g.worker = s.compute_s;
  if (cache_location == "disk") g.worker += s.cache_write_bytes / pt.platform.compute.disk_bandwidth;
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
      const StreamStages g = stream_stages(s, c, pt, cache_location);
      return pipelined({g.storage, g.network, g.worker + step_sync_s(s, pt)},
                       pieces(s.samples, c.batch, chunks));
    }
    case StepKind::kCacheRead: {
      const double read =
          cache_location == "disk" ? s.cache_read_bytes / pt.platform.compute.disk_bandwidth : 0.0;
      return pipelined({read, s.compute_s + step_sync_s(s, pt)},
                       pieces(s.samples, c.batch, chunks));
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

GroupsOutcome plan_totals(const Plan& plan, const GroupsCosts& c) {
  GroupsOutcome o;
  o.feasible = plan.feasible;
  o.why = plan.why;
  o.storage_to_compute_bytes = plan.stream_samples * c.sent_bytes_per_sample;
  o.storage_compute_s = plan.stream_samples * c.storage_s_per_sample;
  o.syncs = plan.syncs;
  o.sync_bytes = plan.sync_bytes;
  o.cache_bytes = plan.cache_bytes;
  o.cache_location = plan.cache_location;
  return o;
}

namespace {

/// Each worker's own time and its demand on the shared resources (storage node compute and
/// disk, each node's path), per second of its own time.
struct WorkerLoad {
  double own = 0, busy = 0, storage = 0, disk = 0, path = 0, sync = 0;
};

WorkerLoad worker_load(const Step* first, const Step* last, const GroupsCosts& c,
                       const GroupsPoint& pt, const std::string& cache_location, int64_t chunks) {
  const auto& st = pt.platform.storage;
  const double K = static_cast<double>(st.nodes);
  WorkerLoad l;
  for (const Step* it = first; it != last; ++it) {
    const Step& s = *it;
    const double t = step_alone_s(s, c, pt, cache_location, chunks);
    l.own += t;
    l.busy += s.compute_s;
    l.sync += s.kind == StepKind::kRecv ? t : step_sync_s(s, pt);
    if (s.kind != StepKind::kStream) continue;
    const double per_node = s.samples / K;
    l.storage += per_node * c.storage_s_per_sample;
    l.disk += per_node * c.read_bytes_per_sample / st.disk_bandwidth;
    l.path += per_node * c.sent_bytes_per_sample / pt.platform.network.path_bandwidth();
  }
  return l;
}

/// When each worker finishes `loads` started together: the storage nodes and their paths shared
/// by water-filling, in phases as workers finish (a finished worker leaves its share).
std::vector<double> shared_finish(const std::vector<WorkerLoad>& loads, double slots) {
  const std::size_t P = loads.size();
  std::vector<sim::SharedResource> res = {sim::SharedResource::of("storage", slots, P),
                                          sim::SharedResource::of("storage", 1, P),
                                          sim::SharedResource::of("network", 1, P)};
  for (std::size_t w = 0; w < P; ++w) {  // demands per second of the worker's own time
    const double own = std::max(loads[w].own, 1e-12);
    res[0].demand[w] = loads[w].storage / own;
    res[1].demand[w] = loads[w].disk / own;
    res[2].demand[w] = loads[w].path / own;
  }
  std::vector<double> left(P), finish(P, 0.0);
  for (std::size_t w = 0; w < P; ++w) left[w] = loads[w].own;
  double t = 0;
  for (std::size_t round = 0; round <= P; ++round) {
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
      left[w] -= rate[w] * step;
      if (left[w] <= 1e-12 * loads[w].own) {
        left[w] = 0;
        finish[w] = t;
      }
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
  GroupsOutcome o = plan_totals(plan, c);
  if (!plan.feasible) return o;
  const std::size_t P = plan.workers.size();
  const double slots = static_cast<double>(pt.platform.storage.slots());
  std::vector<WorkerLoad> loads;
  for (const auto& steps : plan.workers)
    loads.push_back(worker_load(steps.data(), steps.data() + steps.size(), c, pt,
                                plan.cache_location, chunks));
  const std::vector<double> finish = shared_finish(loads, slots);
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
