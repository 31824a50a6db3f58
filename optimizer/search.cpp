// search.cpp: recommend() — per point: closed-form screening, simulation of the best few and the
// baselines, a descent guided by the closed form corrected with what the simulation found, the
// choice simulated in full, and the report.
#include "optimizer/search.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>

#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "common/process_map.hpp"
#include "common/units.hpp"
#include "optimizer/point_search.hpp"
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
  std::string why = scr.infeasible.empty() ? std::string("no joint configuration fits")
                                           : scr.infeasible.front();
  fail(sc.file, ": no feasible configuration for the tenants together: ", why,
       " (/platform/compute/memory, /platform/storage/memory)");
}

/// Screens point pi with the closed form and decides the fidelity of its simulations.
PointSearch screen_point(const sim::Study& study, std::size_t pi, const RecommendOptions& opt,
                         bool ranks_shorter) {
  PointSearch ps;
  ps.ev = std::make_unique<PointEvaluator>(study, pi, opt.respect_fixed, opt.goal);
  ps.depths = prefetch_candidates(study.scenario, study.points[pi], opt);
  ScreenOptions so;
  so.prefetch_depths = ps.depths;
  so.shortlist = opt.shortlist;
  so.max_exhaustive = opt.max_exhaustive;
  ps.screen = screen_joint(*ps.ev, so);
  if (ps.screen.ranked.empty()) fail_infeasible(study.scenario, *ps.ev, ps.screen);
  ps.baselines = baseline_plans(*ps.ev, study.points[pi].prefetch_depth);
  if (ranks_shorter) {
    // What simulating a configuration here costs, in iterations of all tenants together: the
    // most of the screened best and the baselines (all of which are simulated).
    std::vector<sim::Configuration> first{ps.screen.ranked.front().first};
    for (const auto& b : ps.baselines) {
      if (b.feasible) first.push_back(b.configuration);
    }
    double most = 0;
    for (const sim::Configuration& c : first) {
      double iterations = 0;
      for (const auto& cf : ps.ev->forms(c)) iterations += cf.simulated_iterations;
      most = std::max(most, iterations);
    }
    if (most > opt.rank_above) ps.search = Fidelity::kRank;
  }
  return ps;
}

/// The best simulated configuration of the point at its search fidelity (by the goal, then the
/// objective's cost within the tolerance).
sim::Configuration best_simulated(PointSearch& ps, const SimJudge& judge,
                                  const RecommendOptions& opt) {
  sim::Configuration best;
  Estimate be;
  bool have = false;
  for (const sim::Configuration& c : eligible(ps, judge)) {
    Estimate e = judge.estimate(c, ps.search);
    if (!e.feasible) continue;
    if (!have || better(e, c, be, best, ps.ev->goal())) {
      best = c;
      be = e;
      have = true;
    }
  }
  if (opt.objective == "time" || !have) return best;
  double best_cost = std::numeric_limits<double>::infinity();
  sim::Configuration pick = best;
  for (const sim::Configuration& c : eligible(ps, judge)) {
    Estimate e = judge.estimate(c, ps.search);
    if (!e.feasible || measure(e, opt.goal) > measure(be, opt.goal) * (1.0 + opt.tolerance))
      continue;
    double cost = 0;
    if (opt.objective == "storage") {
      cost = storage_seconds(*ps.ev, c);
    } else {
      for (const auto& r : judge.rows(c, ps.search)) cost += r.job_bytes;
    }
    if (cost < best_cost * (1.0 - 1e-12)) {
      best_cost = cost;
      pick = c;
    }
  }
  return pick;
}

/// The closed form of `c`, each tenant's job scaled by what the simulation of `anchor` found
/// against the closed form there: the closed form tells what changes, the simulation by how much.
Estimate corrected(PointEvaluator& ev, const sim::Configuration& c, const Estimate& anchor_sim,
                   const Estimate& anchor_cf) {
  Estimate e = ev.estimate(c);
  e.makespan_s = 0;
  e.total_job_s = 0;
  for (std::size_t t = 0; t < e.job_s.size(); ++t) {
    if (anchor_cf.job_s[t] > 0) e.job_s[t] *= anchor_sim.job_s[t] / anchor_cf.job_s[t];
    e.makespan_s = std::max(e.makespan_s, ev.tenant(t).params.arrival_s + e.job_s[t]);
    e.total_job_s += e.job_s[t];
  }
  return e;
}

/// The next candidates of point ps: neighbours of its best simulated configuration, the screened
/// ones and the other points' best (`elsewhere`: points that differ in a swept value often agree),
/// not simulated yet, best first by the corrected closed form.
std::vector<sim::Configuration> descent_candidates(PointSearch& ps, const SimJudge& judge,
                                                   const RecommendOptions& opt,
                                                   const std::vector<sim::Configuration>& elsewhere) {
  PointEvaluator& ev = *ps.ev;
  const sim::Configuration center = best_simulated(ps, judge, opt);
  const Estimate anchor_sim = judge.estimate(center, ps.search);
  const Estimate anchor_cf = ev.estimate(center);
  std::vector<sim::Configuration> pool =
      neighbours(ev, center, ps.screen.shortlists, ps.depths);
  for (const auto& [c, e] : ps.screen.ranked) pool.push_back(c);
  for (const sim::Configuration& other : elsewhere) {
    if (other.choices.size() != ev.tenants() || other.point == ev.point_index()) continue;
    const bool depth_here =
        std::find(ps.depths.begin(), ps.depths.end(), other.prefetch_depth) != ps.depths.end();
    sim::Configuration c =
        ev.configuration(depth_here ? other.prefetch_depth : center.prefetch_depth, other.choices);
    if (in_search_space(ev, c) && ev.fit_memory(c, nullptr)) pool.push_back(c);
  }
  std::vector<std::pair<sim::Configuration, Estimate>> ranked;
  std::set<sim::Configuration> seen;
  for (const sim::Configuration& c : pool) {
    if (judge.has(c, ps.search) || !seen.insert(c).second) continue;
    ranked.emplace_back(c, corrected(ev, c, anchor_sim, anchor_cf));
  }
  std::sort(ranked.begin(), ranked.end(), [&](const auto& x, const auto& y) {
    return better(x.second, x.first, y.second, y.first, ev.goal());
  });
  const std::size_t wanted = ps.search == Fidelity::kRank ? opt.long_neighbours : opt.neighbours;
  const std::size_t n = wanted == 0 ? ranked.size() : wanted;
  std::vector<sim::Configuration> out;
  for (std::size_t i = 0; i < std::min(n, ranked.size()); ++i) out.push_back(ranked[i].first);
  return out;
}

/// Simulates every point's first candidates and feasible baselines, at the points' fidelities.
void first_round(std::vector<PointSearch>& points, SimJudge& judge, const RecommendOptions& opt) {
  std::vector<sim::Configuration> want[2];
  for (PointSearch& ps : points) {
    auto& w = want[static_cast<int>(ps.search)];
    const std::size_t n = ps.search == Fidelity::kRank ? opt.long_confirm : opt.confirm;
    for (std::size_t i = 0; i < std::min(n, ps.screen.ranked.size()); ++i)
      w.push_back(ps.screen.ranked[i].first);
    for (const auto& b : ps.baselines) {
      if (b.feasible) w.push_back(b.configuration);
    }
  }
  judge.run(want[0], Fidelity::kRank);
  judge.run(want[1], Fidelity::kFull);
}

/// Rounds of the corrected descent, all points at once; stops when no point has a candidate.
void descend(std::vector<PointSearch>& points, SimJudge& judge, const RecommendOptions& opt) {
  for (int round = 0; round < opt.simulation_rounds; ++round) {
    std::vector<sim::Configuration> best;
    for (PointSearch& ps : points) best.push_back(best_simulated(ps, judge, opt));
    std::vector<sim::Configuration> want[2];
    for (PointSearch& ps : points) {
      for (auto& c : descent_candidates(ps, judge, opt, best))
        want[static_cast<int>(ps.search)].push_back(c);
    }
    if (want[0].empty() && want[1].empty()) break;
    judge.run(want[0], Fidelity::kRank);
    judge.run(want[1], Fidelity::kFull);
  }
}

}  // namespace

RecommendOptions thorough(RecommendOptions opt) {
  opt.long_confirm = opt.confirm;
  opt.long_neighbours = opt.neighbours;
  opt.rank_iterations = 0;
  return opt;
}

Recommendation recommend(const sim::Scenario& sc, sim::ProfileCache& cache,
                         const RecommendOptions& opt) {
  if (opt.objective != "time" && opt.objective != "storage" && opt.objective != "network") {
    fail("--objective '", opt.objective, "': expected time, storage or network");
  }
  if (!(opt.tolerance >= 0 && opt.tolerance < 10))
    fail("--tolerance ", opt.tolerance, ": expected 0 .. 10");
  if (opt.shortlist < 1) fail("--shortlist ", opt.shortlist, ": expected at least 1");
  if (opt.rank_iterations < 0)
    fail("--rank-iterations ", opt.rank_iterations, ": expected 0 (off) or more");
  PhaseTimer timer;
  const sim::Study study = sim::prepare_study(sc, cache);
  timer.lap("prepare");
  SimJudge judge(study, opt.rank_iterations, opt.jobs, opt.progress);
  std::vector<PointSearch> points;
  for (std::size_t pi = 0; pi < study.points.size(); ++pi)
    points.push_back(screen_point(study, pi, opt, judge.ranks_shorter()));
  timer.lap("screen + baselines");
  first_round(points, judge, opt);
  timer.lap("simulate (first round)");
  descend(points, judge, opt);
  timer.lap("simulate (descent)");
  std::vector<sim::Configuration> finals;
  for (PointSearch& ps : points) {
    ps.chosen = best_simulated(ps, judge, opt);
    finals.push_back(ps.chosen);
  }
  judge.run(finals, Fidelity::kFull);  // the choices ranked by shorter simulations, in full
  timer.lap("simulate (choices in full)");
  Recommendation rec;
  rec.scenario = sc.name;
  rec.scenario_file = sc.file;
  rec.objective = opt.objective;
  rec.joint_goal = opt.goal == JointGoal::kMakespan ? "makespan" : "total";
  rec.tolerance = opt.tolerance;
  // The reports (sensitivity scans with the closed form) on every core.
  MapOptions mo;
  mo.jobs = opt.jobs;
  const std::vector<std::string> reports = map_in_processes(
      points.size(),
      [&](std::size_t pi) { return to_json(report_point(points[pi], judge, study, pi, opt)).dump(); },
      mo);
  for (const std::string& r : reports)
    rec.points.push_back(point_from_json(parse_json_text(r, "<recommend report>")));
  timer.lap("report + sensitivity");
  if (!points.empty()) rec.prefetch_depths = points.front().depths;
  return rec;
}

}  // namespace tiersplit::optimizer
