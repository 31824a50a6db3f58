// search.cpp: per point: shortlists and joint screening, simulation of the best, baselines,
// runner-ups, sensitivity.
#include "optimizer/search.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <set>

#include "common/error.hpp"
#include "common/progress.hpp"
#include "common/units.hpp"
#include "optimizer/baselines.hpp"
#include "optimizer/evaluator.hpp"
#include "optimizer/joint.hpp"
#include "optimizer/sensitivity.hpp"
#include "sim/engine/worker_pool.hpp"
#include "sim/study.hpp"

namespace tiersplit::optimizer {

namespace {

/// TIERSPLIT_OPTIMIZER_TIMING=1 prints how long each phase took (stderr), for tuning.
class PhaseTimer {
 public:
  PhaseTimer()
      : on_(std::getenv("TIERSPLIT_OPTIMIZER_TIMING") != nullptr),
        t0_(std::chrono::steady_clock::now()) {}
  void lap(const char* what) {
    auto now = std::chrono::steady_clock::now();
    if (on_)
      std::fprintf(stderr, "optimizer: %-28s %8.3f s\n", what,
                   std::chrono::duration<double>(now - t0_).count());
    t0_ = now;
  }

 private:
  bool on_;
  std::chrono::steady_clock::time_point t0_;
};

/// Simulates configurations through the shared worker pool (sim/engine/worker_pool.hpp) and
/// remembers their rows: each configuration once, whatever asks for it again.
class SimJudge {
 public:
  SimJudge(const sim::Study& base, const RecommendOptions& opt) : base_(base), opt_(opt) {}

  void run(const std::vector<sim::Configuration>& wanted) {
    sim::Study st = base_;
    st.configs.clear();
    std::vector<sim::Configuration> todo;
    std::set<sim::Configuration> queued;
    for (const sim::Configuration& c : wanted) {
      if (results_.count(c) || !queued.insert(c).second) continue;
      todo.push_back(c);
      st.configs.push_back(c);
      st.configs.back().report.clear();  // every tenant
    }
    if (todo.empty()) return;
    std::vector<std::size_t> which(todo.size());
    for (std::size_t i = 0; i < which.size(); ++i) which[i] = i;
    sim::RunOptions ro;
    ro.jobs = opt_.jobs;
    ro.progress = opt_.progress;
    std::vector<sim::TenantResult> rows = sim::run_configurations(st, which, ro);
    std::vector<std::vector<sim::TenantResult>> by(todo.size());
    for (auto& r : rows) by[r.config].push_back(std::move(r));
    for (std::size_t i = 0; i < todo.size(); ++i) {
      std::sort(by[i].begin(), by[i].end(),
                [](const auto& x, const auto& y) { return x.tenant < y.tenant; });
      results_[todo[i]] = std::move(by[i]);
    }
    simulated_ += todo.size();
  }

  const std::vector<sim::TenantResult>& rows(const sim::Configuration& c) const {
    return results_.at(c);
  }

  Estimate estimate(const sim::Configuration& c) const {
    Estimate e;
    const auto& tenants = base_.tenants[c.point];
    for (const auto& r : rows(c)) {
      if (!r.feasible) {
        e.feasible = false;
        e.why = r.note;
      }
      e.job_s.push_back(r.job_s);
      e.iteration_s.push_back(r.iteration_s);
      e.makespan_s = std::max(
          e.makespan_s, tenants[static_cast<std::size_t>(r.tenant)].params.arrival_s + r.job_s);
      e.total_job_s += r.job_s;
    }
    return e;
  }

  /// Every simulated configuration of point pi, in order.
  std::vector<sim::Configuration> of_point(std::size_t pi) const {
    std::vector<sim::Configuration> out;
    for (const auto& [k, v] : results_) {
      if (k.point == pi) out.push_back(k);
    }
    return out;
  }

  std::size_t simulated() const { return simulated_; }

 private:
  const sim::Study& base_;
  const RecommendOptions& opt_;
  std::map<sim::Configuration, std::vector<sim::TenantResult>> results_;
  std::size_t simulated_ = 0;
};

struct PointState {
  std::unique_ptr<PointEvaluator> ev;
  ScreenResult screen;
  std::vector<BaselinePlan> baselines;
  std::vector<int64_t> depths;
  sim::Configuration best;
};

std::vector<int64_t> prefetch_candidates(const sim::Scenario& sc, const sim::SweepPoint& p,
                                         const RecommendOptions& opt) {
  std::set<int64_t> d;
  if (!opt.prefetch_depths.empty()) {
    d.insert(opt.prefetch_depths.begin(), opt.prefetch_depths.end());
  } else if (!sc.sweep.prefetch_depth.empty()) {
    d.insert(p.prefetch_depth);
  } else {
    d = {1, 2, 4, p.prefetch_depth};
  }
  return {d.begin(), d.end()};
}

/// Storage-side busy seconds of the whole job (pushdown compute) and bytes over the network.
double storage_seconds(PointEvaluator& ev, const sim::Configuration& a) {
  double s = 0;
  for (std::size_t t = 0; t < ev.tenants(); ++t) {
    const sim::TenantCosts& p = ev.costs(t, a.choices[t]);
    s += static_cast<double>(p.total_iterations) * p.storage_compute_time(p.training_batch);
  }
  return s;
}

/// The `n` best of `cands` by the closed form (all of them when n is 0 or they are fewer).
std::vector<sim::Configuration> best_by_closed_form(PointEvaluator& ev,
                                            const std::vector<sim::Configuration>& cands, std::size_t n) {
  if (n == 0 || cands.size() <= n) return cands;
  std::vector<std::pair<sim::Configuration, Estimate>> ranked;
  for (const sim::Configuration& a : cands) ranked.emplace_back(a, ev.estimate(a));
  std::sort(ranked.begin(), ranked.end(), [&](const auto& x, const auto& y) {
    return better(x.second, x.first, y.second, y.first, ev.goal());
  });
  std::vector<sim::Configuration> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(ranked[i].first);
  return out;
}

/// Whether every tenant's choice in `a` is in its search space (baselines may not be: fixed
/// values kept with --respect-fixed, or /search/splits and /search/storage_batches).
bool in_search_space(const PointEvaluator& ev, const sim::Configuration& a) {
  for (std::size_t t = 0; t < ev.tenants(); ++t) {
    const auto& s = ev.splits(t);
    const auto& b = ev.batches(t);
    const sim::Choice& c = a.choices[t];
    if (!std::binary_search(s.begin(), s.end(), c.split)) return false;
    if (c.split > 0 && !std::binary_search(b.begin(), b.end(), c.storage_batch)) return false;
  }
  return true;
}

/// The joint goal's measure of an estimate: sum of job times or makespan.
double measure(const Estimate& e, JointGoal goal) {
  return goal == JointGoal::kMakespan ? e.makespan_s : e.total_job_s;
}

[[noreturn]] void fail_infeasible(const sim::Scenario& sc, PointEvaluator& ev,
                                  const ScreenResult& scr) {
  for (std::size_t t = 0; t < ev.tenants(); ++t) {
    if (!scr.shortlists[t].empty()) continue;
    const auto& rt = ev.tenant(t);
    double least = std::numeric_limits<double>::infinity();
    int64_t at = 0;
    for (int64_t s : ev.splits(t)) {
      if (ev.compute_memory(t, s) < least) {
        least = ev.compute_memory(t, s);
        at = s;
      }
    }
    fail(sc.file, ": ", rt.params.json_path, ": no feasible configuration: tenant '",
         rt.params.name, "' (", rt.params.model, ", training batch ", rt.params.batch_size,
         ") needs at least ", format_bytes(least), " of compute memory (at split ", at,
         "), but a compute node has ", format_bytes(ev.compute_capacity()),
         " (/platform/compute/memory)");
  }
  std::string why =
      scr.infeasible.empty() ? std::string("no joint assignment fits") : scr.infeasible.front();
  fail(sc.file, ": no feasible configuration for the tenants together: ", why,
       " (/platform/compute/memory, /platform/storage/memory)");
}

}  // namespace

Recommendation recommend(const sim::Scenario& sc, sim::ProfileCache& cache,
                         const RecommendOptions& opt) {
  if (opt.objective != "time" && opt.objective != "storage" && opt.objective != "network") {
    fail("--objective '", opt.objective, "': expected time, storage or network");
  }
  if (!(opt.tolerance >= 0 && opt.tolerance < 10))
    fail("--tolerance ", opt.tolerance, ": expected 0 .. 10");
  if (opt.shortlist < 1) fail("--shortlist ", opt.shortlist, ": expected at least 1");
  PhaseTimer timer;
  sim::Study study = sim::prepare_study(sc, cache);
  timer.lap("prepare");
  Recommendation rec;
  rec.scenario = sc.name;
  rec.scenario_file = sc.file;
  rec.objective = opt.objective;
  rec.joint_goal = opt.goal == JointGoal::kMakespan ? "makespan" : "total";
  rec.tolerance = opt.tolerance;
  SimJudge judge(study, opt);

  // Screening and baselines.
  std::vector<PointState> states(study.points.size());
  std::vector<sim::Configuration> wanted;
  for (std::size_t pi = 0; pi < study.points.size(); ++pi) {
    PointState& ps = states[pi];
    ps.ev = std::make_unique<PointEvaluator>(study, pi, opt.respect_fixed, opt.goal);
    ps.depths = prefetch_candidates(sc, study.points[pi], opt);
    ScreenOptions so;
    so.prefetch_depths = ps.depths;
    so.shortlist = opt.shortlist;
    so.max_exhaustive = opt.max_exhaustive;
    ps.screen = screen_joint(*ps.ev, so);
    if (ps.screen.ranked.empty()) fail_infeasible(sc, *ps.ev, ps.screen);
    ps.baselines = baseline_plans(*ps.ev, study.points[pi].prefetch_depth);
    for (std::size_t i = 0; i < std::min(opt.confirm, ps.screen.ranked.size()); ++i) {
      wanted.push_back(ps.screen.ranked[i].first);
    }
    for (const sim::Configuration& n : best_by_closed_form(
             *ps.ev,
             neighbours(*ps.ev, ps.screen.ranked.front().first, ps.screen.shortlists, ps.depths),
             opt.neighbours)) {
      wanted.push_back(n);
    }
    for (const auto& b : ps.baselines) {
      if (b.feasible) wanted.push_back(b.configuration);
    }
  }
  timer.lap("screen + baselines");
  judge.run(wanted);
  timer.lap("simulate (confirm)");

  // Simulated assignments that may be chosen (within every tenant's search space).
  auto eligible = [&](std::size_t pi) {
    std::vector<sim::Configuration> out;
    for (const sim::Configuration& a : judge.of_point(pi)) {
      if (in_search_space(*states[pi].ev, a)) out.push_back(a);
    }
    return out;
  };
  auto best_simulated = [&](std::size_t pi) {
    std::vector<sim::Configuration> all = eligible(pi);
    sim::Configuration best;
    Estimate be;
    bool have = false;
    for (const sim::Configuration& a : all) {
      Estimate e = judge.estimate(a);
      if (!e.feasible) continue;
      if (!have || better(e, a, be, best, states[pi].ev->goal())) {
        best = a;
        be = e;
        have = true;
      }
    }
    return std::make_pair(best, be);
  };

  // Coordinate descent judged by the simulation where the joint space was too large to screen
  // whole.
  for (int round = 0; round < opt.simulation_rounds; ++round) {
    std::vector<sim::Configuration> more;
    for (std::size_t pi = 0; pi < states.size(); ++pi) {
      PointState& ps = states[pi];
      if (ps.screen.method != "coordinate-descent") continue;
      sim::Configuration cur = best_simulated(pi).first;
      for (const sim::Configuration& n : best_by_closed_form(
               *ps.ev, neighbours(*ps.ev, cur, ps.screen.shortlists, ps.depths), opt.neighbours)) {
        more.push_back(n);
      }
    }
    std::size_t before = judge.simulated();
    judge.run(more);
    if (judge.simulated() == before) break;
  }
  timer.lap("simulate (descent)");

  for (std::size_t pi = 0; pi < states.size(); ++pi) {
    PointState& ps = states[pi];
    PointEvaluator& ev = *ps.ev;
    auto [chosen, ce] = best_simulated(pi);
    if (opt.objective != "time") {
      double best_cost = std::numeric_limits<double>::infinity();
      sim::Configuration pick = chosen;
      for (const sim::Configuration& a : eligible(pi)) {
        Estimate e = judge.estimate(a);
        if (!e.feasible || measure(e, opt.goal) > measure(ce, opt.goal) * (1.0 + opt.tolerance))
          continue;
        double cost = 0;
        if (opt.objective == "storage") {
          cost = storage_seconds(ev, a);
        } else {
          for (const auto& r : judge.rows(a)) cost += r.job_bytes;
        }
        if (cost < best_cost * (1.0 - 1e-12)) {
          best_cost = cost;
          pick = a;
        }
      }
      chosen = pick;
      ce = judge.estimate(chosen);
    }
    const sim::SweepPoint& point = study.points[pi];
    PointRecommendation pr;
    pr.index = pi;
    pr.labels = point.labels;
    pr.bandwidth = point.platform.network.bandwidth;
    pr.prefetch_depth = chosen.prefetch_depth;
    pr.makespan_s = ce.makespan_s;
    pr.method = ps.screen.method;
    pr.screened = ev.closed_form_evaluations();
    pr.storage_memory_used = ev.storage_memory_used(chosen);
    pr.storage_memory_capacity = ev.storage_capacity();
    for (int64_t n = 0; n < point.platform.compute.nodes; ++n)
      pr.compute_memory_used.push_back(ev.compute_memory_used(chosen, n));
    pr.compute_memory_capacity = ev.compute_capacity();

    // Baseline makespans.
    for (const auto& b : ps.baselines) {
      BaselineSummary bs;
      bs.name = b.name;
      bs.feasible = b.feasible;
      if (b.feasible) {
        Estimate e = judge.estimate(b.configuration);
        bs.feasible = e.feasible;
        bs.makespan_s = e.makespan_s;
        bs.speedup = ce.makespan_s > 0 ? e.makespan_s / ce.makespan_s : 0;
      }
      pr.baselines.push_back(bs);
    }

    const auto& rows = judge.rows(chosen);
    std::vector<sim::Choice> per_split_best;  // for sensitivity: each split's useful batch
    for (std::size_t t = 0; t < ev.tenants(); ++t) {
      const auto& rt = ev.tenant(t);
      const sim::Choice c = chosen.choices[t];
      TenantRecommendation tr;
      tr.tenant = static_cast<int>(t);
      tr.name = rt.params.name;
      tr.model = rt.params.model;
      tr.freeze_index = rt.freeze_index;
      tr.training_batch = rt.params.batch_size;
      tr.searched = ev.splits(t).size() > 1 || ev.batches(t).size() > 1;
      tr.split = c.split;
      tr.storage_batch = c.storage_batch;
      tr.predicted = rows[t];
      tr.storage_memory_bytes = ev.storage_memory(t, c);
      tr.compute_memory_bytes = ev.compute_memory(t, c.split);
      if (c.split > 0) {
        const double mine = ev.alone_job(t, c, chosen.prefetch_depth);
        for (int64_t b : ev.batches(t)) {
          if (b > c.storage_batch && ev.alone_job(t, {c.split, b}, chosen.prefetch_depth) <
                                         mine * (1.0 - kUsefulBatchGain)) {
            tr.storage_batch_lowered = true;
          }
        }
      }
      // Baselines, per tenant.
      const double job = rows[t].job_s;
      const sim::TenantResult* no_pushdown = nullptr;
      for (const auto& b : ps.baselines) {
        BaselineOutcome bo;
        bo.name = b.name;
        bo.split = b.configuration.choices[t].split;
        bo.storage_batch = b.configuration.choices[t].storage_batch;
        bo.feasible = b.feasible;
        bo.note = b.note;
        if (b.feasible) {
          const sim::TenantResult& r = judge.rows(b.configuration)[t];
          bo.feasible = r.feasible;
          if (!r.feasible) bo.note = r.note;
          bo.iteration_s = r.iteration_s;
          bo.job_s = r.job_s;
          if (b.name == "no-pushdown") no_pushdown = &r;
          if (b.name == "reference-policy" && no_pushdown && r.feasible &&
              no_pushdown->job_s < r.job_s && bo.split != 0) {
            // The reference system keeps no pushdown when it is measured faster.
            bo.note =
                "picked split " + std::to_string(bo.split) + "; kept no pushdown (measured faster)";
            bo.split = 0;
            bo.storage_batch = no_pushdown->storage_batch;
            bo.iteration_s = no_pushdown->iteration_s;
            bo.job_s = no_pushdown->job_s;
          }
          bo.speedup = job > 0 ? bo.job_s / job : 0;
        }
        tr.baselines.push_back(bo);
      }
      // Runner-ups: the tenant's other choices in simulated assignments whose makespan is within
      // the tolerance of the chosen one (each with the best such assignment).
      std::map<std::tuple<int64_t, int64_t, int64_t>, std::pair<double, double>>
          alt;  // -> (makespan, job)
      for (const sim::Configuration& a : eligible(pi)) {
        Estimate e = judge.estimate(a);
        if (!e.feasible || measure(e, opt.goal) > measure(ce, opt.goal) * (1.0 + opt.tolerance))
          continue;
        auto key =
            std::make_tuple(a.choices[t].split, a.choices[t].storage_batch, a.prefetch_depth);
        if (key == std::make_tuple(c.split, c.storage_batch, chosen.prefetch_depth)) continue;
        auto it = alt.find(key);
        if (it == alt.end() || measure(e, opt.goal) < it->second.first)
          alt[key] = {measure(e, opt.goal), e.job_s[t]};
      }
      for (const auto& [k, v] : alt) {
        tr.runner_ups.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), v.second,
                                 measure(ce, opt.goal) > 0 ? v.first / measure(ce, opt.goal) : 0});
      }
      std::stable_sort(
          tr.runner_ups.begin(), tr.runner_ups.end(),
          [](const RunnerUp& x, const RunnerUp& y) { return x.slowdown < y.slowdown; });
      // Sensitivity against each split's useful batch (closed form).
      std::vector<sim::Choice> alts =
          shortlist(ev, t, chosen.prefetch_depth, std::numeric_limits<std::size_t>::max());
      tr.bandwidth = sensitivity(ev, chosen, t, alts, Axis::kBandwidth, opt.tolerance);
      tr.storage_speed = sensitivity(ev, chosen, t, alts, Axis::kStorageSpeed, opt.tolerance);
      // Curve for the plot: every candidate, others at the choice.
      for (int64_t s : ev.splits(t)) {
        for (int64_t b : ev.batches(t)) {
          if (s == 0 && b != ev.batches(t).front()) continue;
          sim::Configuration a = chosen;
          a.choices[t] = {s, b};
          CurvePoint cp;
          cp.split = s;
          cp.storage_batch = b;
          cp.fits = ev.storage_memory_used(a) <= ev.storage_capacity() &&
                    ev.compute_memory_used(a, rt.compute_node) <= ev.compute_capacity();
          cp.iteration_s = ev.estimate_one(a, t).second;
          tr.curve.push_back(cp);
        }
      }
      pr.tenants.push_back(std::move(tr));
    }
    pr.simulated = judge.of_point(pi).size();
    rec.points.push_back(std::move(pr));
  }
  timer.lap("report + sensitivity");
  if (!states.empty()) rec.prefetch_depths = states.front().depths;
  return rec;
}

}  // namespace tiersplit::optimizer
