// closed_form.cpp: the pipeline's timing as formulas (see closed_form.hpp and docs/simulator.md).
#include "sim/closed_form.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/fair_share.hpp"
#include "sim/phases.hpp"
#include "sim/token_bucket.hpp"

namespace tiersplit::sim {

PathModel path_model(const PlatformParams& pf) {
  const NetworkParams& n = pf.network;
  double bw = n.path_bandwidth();
  if (n.compute_nic > 0) bw = std::min(bw, n.compute_nic);
  if (n.core_bandwidth > 0) bw = std::min(bw, n.core_bandwidth);
  bw *= n.model.bandwidth_factor;
  double raw_latency = n.latency_s + n.core_latency_s;
  if (n.model.tcp_window_bytes > 0 && raw_latency > 0) {
    bw = std::min(bw, n.model.tcp_window_bytes / (2.0 * raw_latency));
  }
  const double latency = raw_latency * n.model.latency_factor;
  return {bw, latency, std::min(raw_latency, latency), n.burst_bytes * n.model.bandwidth_factor};
}

namespace {

/// Iterations whose node shares are averaged: the first epoch's, up to this many. How many
/// requests a batch costs depends on where the shuffled order puts a short last object.
constexpr int64_t kSampledIterations = 256;

/// Storage-side timing of one node for one iteration, relative to the iteration's start.
struct NodeIteration {
  double disk_s = 0;      ///< read bandwidth part (shared between tenants)
  double overhead_s = 0;  ///< request overheads (not shared)
  double compute_s = 0;   ///< mini-batches (shared between tenants)
  double bytes = 0;
  double stage_s = 0;        ///< read + overheads + compute
  double network_end_s = 0;  ///< when its last byte arrives
  double messages = 0;       ///< messages sent (one flow each)
};

NodeIteration node_iteration(const TenantCosts& p, const NodeShare& share, const PlatformParams& pf,
                             const PathModel& path) {
  NodeIteration r;
  if (share.samples == 0) return r;
  r.disk_s =
      static_cast<double>(share.samples) * p.read_bytes_per_sample / pf.storage.disk_bandwidth;
  r.overhead_s = static_cast<double>(share.objects) * p.request_overhead_s;
  double t = r.disk_s + r.overhead_s;
  // Chunk j ends its compute at e_j; its flow starts after the latency and the link serves
  // flows work-conservingly, so the last byte arrives at max_j (e_j + L + bytes of flows >= j /
  // bw).
  std::vector<double> ends, sizes;
  for (const Chunk& c : p.chunks(share.samples)) {
    r.messages += 1;
    r.compute_s += c.compute_s;
    t += c.compute_s;
    ends.push_back(t);
    sizes.push_back(std::round(static_cast<double>(c.samples) * p.sent_bytes_per_sample));
  }
  r.stage_s = t;
  for (double b : sizes) r.bytes += b;
  if (path.burst_bytes <= 0) {
    double suffix = 0;
    for (std::size_t j = ends.size(); j-- > 0;) {
      suffix += sizes[j];
      r.network_end_s =
          std::max(r.network_end_s, ends[j] + path.latency_s + suffix / path.bandwidth);
    }
    return r;
  }
  // A shaped path (network.burst): the last byte's arrival does not depend on the order a
  // work-conserving link serves flows in, so serve them one by one; a flow that finds the link
  // idle takes the tokens refilled since it went idle (full at the iteration's start).
  TokenBucket bucket(path.burst_bytes, path.bandwidth);
  double link_free = 0;
  for (std::size_t j = 0; j < ends.size(); ++j) {
    const double start = ends[j] + path.latency_s;
    const double at_once =
        bucket.take(ends[j] + path.refill_s, sizes[j], link_free, start < link_free);
    link_free = std::max(link_free, start) + (sizes[j] - at_once) / path.bandwidth;
  }
  r.network_end_s = link_free;
  return r;
}

/// Per-iteration averages of one tenant over the sampled iterations.
struct TenantAverages {
  std::vector<NodeIteration> nodes;  ///< per storage node, averaged
  double stage_s = 0;                ///< max over nodes, averaged over iterations
  double network_end_s = 0;          ///< max over nodes
  double bytes = 0;                  ///< all nodes
};

TenantAverages averages(const TenantCosts& p, const PlatformParams& pf, const PathModel& path) {
  const int64_t K = pf.storage.nodes;
  TenantAverages a;
  a.nodes.assign(static_cast<std::size_t>(K), NodeIteration{});
  // The sampled iterations come as a few distinct per-node patterns (EpochSchedule::mix), and
  // their node shares repeat: each distinct share is costed once.
  std::vector<std::pair<NodeShare, NodeIteration>> costed;
  auto cost = [&](const NodeShare& share) -> const NodeIteration& {
    for (const auto& [s, ni] : costed) {
      if (s == share) return ni;
    }
    costed.emplace_back(share, node_iteration(p, share, pf, path));
    return costed.back().second;
  };
  int64_t count = 0;
  for (const IterationPattern& pattern : p.schedule->mix(K, kSampledIterations)) {
    const double w = static_cast<double>(pattern.count);
    double stage = 0, end = 0;
    for (std::size_t k = 0; k < pattern.nodes.size(); ++k) {
      const NodeIteration& ni = cost(pattern.nodes[k]);
      NodeIteration& acc = a.nodes[k];
      acc.disk_s += w * ni.disk_s;
      acc.overhead_s += w * ni.overhead_s;
      acc.compute_s += w * ni.compute_s;
      acc.bytes += w * ni.bytes;
      acc.stage_s += w * ni.stage_s;
      acc.network_end_s += w * ni.network_end_s;
      acc.messages += w * ni.messages;
      stage = std::max(stage, ni.stage_s);
      end = std::max(end, ni.network_end_s);
      a.bytes += w * ni.bytes;
    }
    a.stage_s += w * stage;
    a.network_end_s += w * end;
    count += pattern.count;
  }
  double inv = 1.0 / static_cast<double>(std::max<int64_t>(1, count));
  for (auto& n : a.nodes) {
    n.disk_s *= inv;
    n.overhead_s *= inv;
    n.compute_s *= inv;
    n.bytes *= inv;
    n.stage_s *= inv;
    n.network_end_s *= inv;
    n.messages *= inv;
  }
  a.stage_s *= inv;
  a.network_end_s *= inv;
  a.bytes *= inv;
  return a;
}

/// One tenant alone: its stages and the period they allow.
struct OwnBounds {
  double storage = 0, network = 0, compute = 0, cycle = 0;
  double at_once_bytes = 0;  ///< per iteration and node: what the shaper's bucket lets through
  double period() const { return std::max({storage, network, compute, cycle}); }
};

OwnBounds own_bounds(const TenantCosts& p, const TenantAverages& a, const PlatformParams& pf,
                     const PathModel& path, int64_t prefetch_depth) {
  OwnBounds o;
  o.storage = a.stage_s;
  // A stream sends an iteration only after the previous one arrived: one latency each.
  auto network_stage = [&]() {
    double stage = 0;
    for (const auto& n : a.nodes) {
      if (n.bytes > 0)
        stage = std::max(
            stage, path.latency_s + std::max(0.0, n.bytes - o.at_once_bytes) / path.bandwidth);
    }
    return stage;
  };
  o.network = network_stage();
  // Serial fetch: the storage side holds the tenant's next request until this one arrived.
  if (p.serial_fetch) o.storage = std::max(o.storage, a.network_end_s);
  o.compute = p.compute_time_s;
  o.cycle = (a.network_end_s + p.compute_time_s) / static_cast<double>(prefetch_depth + 1);
  // A shaped path (network.burst): the link idles for what the other stages leave of the
  // period, plus the latency's refill part, and the bucket refills meanwhile; an iteration's
  // first message takes those tokens. (The simulation refills between an iteration's messages
  // too, and shares one bucket between the tenants on a path; here each tenant has its own.)
  if (path.burst_bytes > 0) {
    const double idle = std::max(0.0, o.period() - o.network) + path.refill_s;
    o.at_once_bytes = std::min(path.burst_bytes, idle * path.bandwidth);
    o.network = network_stage();
  }
  return o;
}

using Resource = SharedResource;

/// Flows a tenant keeps on a storage node's path at once: its m messages of an iteration start
/// as their chunks' compute ends (C / m apart) and each lasts about L / m on its own (L the
/// iteration's transfer time), so about 1 + L / C of them overlap, at most m.
double flows_at_once(const NodeIteration& n, double transfer_s) {
  if (n.messages <= 1) return 1.0;
  if (n.compute_s <= 0) return n.messages;
  return std::clamp(1.0 + transfer_s / n.compute_s, 1.0, n.messages);
}

/// Everything about the tenants that does not depend on which of them run together.
struct Model {
  std::vector<TenantAverages> avg;
  std::vector<OwnBounds> own;
  std::vector<Resource> res;  ///< shared resources and every tenant's demand on them
};

std::vector<Resource> shared_resources(const std::vector<TenantCosts>& plans,
                                       const std::vector<TenantAverages>& avg,
                                       const std::vector<OwnBounds>& own,
                                       const PlatformParams& pf) {
  const std::size_t K = static_cast<std::size_t>(pf.storage.nodes);
  const std::size_t T = plans.size();
  const double bwf = pf.network.model.bandwidth_factor;
  const double node_bw = pf.network.path_bandwidth() * bwf;
  std::vector<Resource> res;
  for (std::size_t k = 0; k < K; ++k) {
    Resource disk = Resource::of("storage", 1, T), cpu = Resource::of("storage", static_cast<double>(pf.storage.slots()), T);
    Resource busy = Resource::of("storage", 1, T, true), link = Resource::of("network", 1, T);
    link.weight.assign(T, 1.0);
    for (std::size_t u = 0; u < T; ++u) {
      const NodeIteration& n = avg[u].nodes[k];
      disk.demand[u] = n.disk_s;
      cpu.demand[u] = n.compute_s;
      busy.demand[u] = n.stage_s;
      link.demand[u] = n.bytes > 0 ? std::max(0.0, n.bytes - own[u].at_once_bytes) / node_bw : 0;
      link.weight[u] = flows_at_once(n, link.demand[u]);
    }
    for (auto* r : {&disk, &cpu, &busy, &link}) res.push_back(std::move(*r));
  }
  if (pf.network.core_bandwidth > 0) {
    Resource core = Resource::of("network", 1, T);
    for (std::size_t u = 0; u < T; ++u)
      core.demand[u] = avg[u].bytes / (pf.network.core_bandwidth * bwf);
    res.push_back(std::move(core));
  }
  for (int64_t j = 0; j < pf.compute.nodes; ++j) {
    Resource nic = Resource::of("network", 1, T), gpu = Resource::of("compute", 1, T);
    for (std::size_t u = 0; u < T; ++u) {
      if (plans[u].compute_node != j) continue;
      if (pf.network.compute_nic > 0) nic.demand[u] = avg[u].bytes / (pf.network.compute_nic * bwf);
      gpu.demand[u] = plans[u].compute_time_s;
    }
    if (pf.network.compute_nic > 0) res.push_back(std::move(nic));
    res.push_back(std::move(gpu));
  }
  return res;
}

Model make_model(const std::vector<TenantCosts>& plans, const PlatformParams& pf,
                 int64_t prefetch_depth) {
  const PathModel path = path_model(pf);
  Model m;
  for (const auto& p : plans) {
    m.avg.push_back(averages(p, pf, path));
    m.own.push_back(own_bounds(p, m.avg.back(), pf, path, prefetch_depth));
  }
  m.res = shared_resources(plans, m.avg, m.own, pf);
  return m;
}

/// Iteration rates of the tenants marked active when they run together: each tenant's own rate,
/// cut by fair (water-filling) shares of every resource that is over-subscribed, a few rounds
/// until stable. Inactive tenants get 0 and use nothing.
std::vector<double> fair_rates(const Model& m, const std::vector<bool>& active) {
  const std::size_t T = m.own.size();
  std::vector<double> rate(T, 0.0);
  for (std::size_t u = 0; u < T; ++u) {
    if (active[u]) rate[u] = m.own[u].period() > 0 ? 1.0 / m.own[u].period() : 0.0;
  }
  // Per-flow shares (weights) hold while flows overlap all the time: when every user of the
  // link is bound by the network on its own. Otherwise flows come and go within each iteration
  // and the tenants share the link evenly on average.
  water_fill(rate, m.res, [&](const Resource&, const std::vector<std::size_t>& users) {
    return std::all_of(users.begin(), users.end(), [&](std::size_t u) {
      const OwnBounds& o = m.own[u];
      return o.network >= std::max({o.storage, o.compute, o.cycle});
    });
  });
  return rate;
}

/// The measured window of a tenant as the simulation takes it (simgrid_model.cpp): from its
/// first iteration that begins once every tenant has arrived, `measure_iterations` long (the
/// last ones when its job ends before), and the steady iteration over it
/// (steady_iteration_time's rule: after the warm-up, or the second half).
struct Window {
  double steady_s = 0;
  double mid_s = 0;  ///< middle of the measured part (absolute), for the busy fractions
  double end_s = 0;  ///< when the window's last iteration ends (absolute)
};

Window measured_window(const TenantCosts& me, const TenantProgress& prog, double last_arrival) {
  const int64_t total = me.total_iterations;
  const int64_t W = std::max<int64_t>(1, me.measure_iterations);
  auto at = [&](int64_t done) { return prog.time_at(static_cast<double>(done)); };
  int64_t k0 = 0;  // iterations done when the window begins
  while (k0 < total && at(k0) < last_arrival) ++k0;
  if (k0 >= total) k0 = std::max<int64_t>(0, total - W);  // the job ends before: its last ones
  const int64_t n = std::min(k0 + W, total) - k0;
  // Iterations done where the measured part begins (steady_iteration_time's rule).
  int64_t from = k0;
  if (me.measure_warmup >= 0 && me.measure_warmup < n) {
    from = k0 + me.measure_warmup;
  } else if (n >= 2) {
    int64_t w = n / 2;
    if (w >= n - 1) w = n - 2;
    from = k0 + w + 1;
  }
  const int64_t to = k0 + std::max<int64_t>(1, n);
  Window win;
  win.steady_s = (at(to) - at(from)) / static_cast<double>(std::max<int64_t>(1, to - from));
  win.mid_s = 0.5 * (at(from) + at(to));
  win.end_s = at(to);
  return win;
}

/// Stages, busy fractions and bottleneck of tenant `focus` at `rates`.
void fill_stages(ClosedForm& cf, const Model& m, const TenantCosts& me, std::size_t focus,
                 const std::vector<double>& rates, std::size_t running) {
  const TenantAverages& mine = m.avg[focus];
  const OwnBounds& o = m.own[focus];
  cf.bytes_per_iteration = mine.bytes;
  cf.storage_stage_s = o.storage;
  cf.network_stage_s = o.network;
  cf.compute_stage_s = o.compute;
  cf.network_tail_s = std::max(0.0, mine.network_end_s - mine.stage_s);
  cf.cycle_bound_s = o.cycle;
  cf.first_iteration_s = mine.network_end_s + me.compute_time_s;
  // Busy fractions: the utilization, at these rates, of the busiest resource of each tier that
  // the tenant uses.
  for (const Resource& r : m.res) {
    if (r.demand[focus] <= 0) continue;
    if (!r.utilization_only && r.tier == "storage") continue;  // "busy" covers disk + compute
    double use = 0;
    for (std::size_t u = 0; u < rates.size(); ++u) use += r.demand[u] * rates[u];
    use = std::min(1.0, use / r.capacity);
    double& slot = r.tier == "storage"   ? cf.storage_busy
                   : r.tier == "network" ? cf.network_busy
                                         : cf.compute_busy;
    slot = std::max(slot, use);
  }
  double top = std::max({cf.storage_busy, cf.network_busy, cf.compute_busy});
  if (running <= 1 && o.cycle > std::max({o.storage, o.network, o.compute}) * (1 + 1e-9))
    cf.bottleneck = "pipeline";
  else if (top == cf.compute_busy)
    cf.bottleneck = "compute";
  else if (top == cf.storage_busy)
    cf.bottleneck = "storage";
  else
    cf.bottleneck = "network";
}

/// The closed form of every tenant, without interference between the tiers: the tenants run
/// through phases (arrivals, finished jobs) at the rates of those running together.
std::vector<ClosedForm> separate_tiers(const std::vector<TenantCosts>& plans,
                                       const PlatformParams& pf, int64_t prefetch_depth) {
  const Model m = make_model(plans, pf, prefetch_depth);
  const std::size_t T = plans.size();
  std::vector<PhaseTenant> pt(T);
  double last_arrival = 0;
  for (std::size_t u = 0; u < T; ++u) {
    pt[u].runs = plans[u].pushdown_memory_bytes <= pf.storage.memory_bytes &&
                 plans[u].total_iterations > 0;
    pt[u].arrival_s = plans[u].arrival_s;
    pt[u].first_iteration_s = m.avg[u].network_end_s + plans[u].compute_time_s;
    pt[u].iterations = plans[u].total_iterations;
    if (pt[u].runs) last_arrival = std::max(last_arrival, plans[u].arrival_s);
  }
  const Progress prog = run_phases(pt, [&](const std::vector<bool>& a) { return fair_rates(m, a); });
  std::vector<Window> windows(T);
  double horizon = 0;  // the simulation runs until every tenant's window has ended
  for (std::size_t u = 0; u < T; ++u) {
    if (!pt[u].runs || prog.phases.empty()) continue;
    windows[u] = measured_window(plans[u], prog.tenants[u], last_arrival);
    horizon = std::max(horizon, windows[u].end_s);
  }
  const auto running_all =
      static_cast<std::size_t>(std::count_if(pt.begin(), pt.end(), [](const auto& p) { return p.runs; }));
  std::vector<ClosedForm> out(T);
  for (std::size_t u = 0; u < T; ++u) {
    ClosedForm& cf = out[u];
    const TenantCosts& me = plans[u];
    if (!pt[u].runs || prog.phases.empty()) {  // alone, at its own pace
      std::vector<bool> alone(T, false);
      alone[u] = true;
      fill_stages(cf, m, me, u, fair_rates(m, alone), 1);
      cf.iteration_s = m.own[u].period();
      cf.job_s = cf.first_iteration_s +
                 static_cast<double>(me.total_iterations - 1) * cf.iteration_s;
      cf.simulated_iterations =
          static_cast<double>(std::min(me.total_iterations, me.measure_iterations));
    } else {
      const Window& w = windows[u];
      const Phase& ph = prog.phase_at(w.mid_s);
      const auto running =
          static_cast<std::size_t>(std::count(ph.active.begin(), ph.active.end(), true));
      fill_stages(cf, m, me, u, ph.rates, running);
      cf.iteration_s = w.steady_s;
      cf.others_finish_in_window = running < running_all;
      // As the simulation estimates a job: run to the horizon, then the rest at the steady
      // iteration (TenantRun::job_s).
      const TenantProgress& tp = prog.tenants[u];
      cf.simulated_iterations = std::ceil(tp.done_at(horizon));
      if (tp.finish_s <= horizon) {
        cf.job_s = tp.finish_s - me.arrival_s;
      } else {
        const double done = std::floor(tp.done_at(horizon));
        cf.job_s = tp.time_at(done) - me.arrival_s +
                   (static_cast<double>(me.total_iterations) - done) * cf.iteration_s;
      }
    }
    cf.epoch_s = static_cast<double>(me.iterations_per_epoch) * cf.iteration_s;
  }
  return out;
}

/// Rounds of the interference fixed point (each a closed form of every tenant's demands).
constexpr int kInterferenceRounds = 6;

}  // namespace

std::vector<ClosedForm> closed_forms(const std::vector<TenantCosts>& plans,
                                     const PlatformParams& pf, int64_t prefetch_depth) {
  if (!pf.interference.any()) return separate_tiers(plans, pf, prefetch_depth);
  std::vector<ClosedForm> out;
  for (std::size_t u = 0; u < plans.size(); ++u)
    out.push_back(closed_form(plans, u, pf, prefetch_depth));
  return out;
}

ClosedForm closed_form(const std::vector<TenantCosts>& plans, std::size_t focus,
                       const PlatformParams& pf, int64_t prefetch_depth) {
  const InterferenceParams& in = pf.interference;
  if (!in.any()) return separate_tiers(plans, pf, prefetch_depth)[focus];
  // Co-located tiers (see InterferenceParams): each tier's work is slowed in proportion to the
  // share of time the other tier executes, 1 + (slowdown - 1) x that share; the shares come from
  // the previous round's busy fractions (storage: only its pushdown compute, not reads). Nodes
  // are not told apart: a platform-wide approximation of what the simulation does per node.
  std::vector<TenantCosts> scaled = plans;
  ClosedForm cf = separate_tiers(scaled, pf, prefetch_depth)[focus];
  for (int round = 0; round < kInterferenceRounds; ++round) {
    // The storage tier executes its tenants' pushdowns once per iteration each, at the pace of
    // the focus (the closed form's own assumption for shared resources).
    // Each tenant's pushdowns slow the compute tier by the factor of their storage batch; the
    // factors are weighted by the time each executes.
    double storage_exec_s = 0, weighted_extra_s = 0;
    for (const TenantCosts& p : scaled) {
      const double exec_s = p.storage_compute_time(p.training_batch);
      storage_exec_s += exec_s;
      weighted_extra_s += (in.compute_slowdown_at(p.storage_batch) - 1.0) * exec_s;
    }
    const double storage_exec =
        cf.iteration_s > 0 ? std::min(1.0, storage_exec_s / cf.iteration_s) : 0.0;
    const double compute_extra = storage_exec_s > 0 ? weighted_extra_s / storage_exec_s : 0.0;
    const double storage_scale = 1.0 + (in.storage_slowdown - 1.0) * cf.compute_busy;
    const double compute_scale = 1.0 + compute_extra * storage_exec;
    for (std::size_t u = 0; u < plans.size(); ++u) {
      scaled[u].storage_scale = plans[u].storage_scale * storage_scale;
      scaled[u].compute_time_s = plans[u].compute_time_s * compute_scale;
    }
    cf = separate_tiers(scaled, pf, prefetch_depth)[focus];
  }
  return cf;
}

}  // namespace tiersplit::sim
