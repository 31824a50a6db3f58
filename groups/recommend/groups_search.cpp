// groups_search.cpp: screen by closed form, simulate finalists, choose, find the bandwidth range.
#include "groups/recommend/groups_search.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "common/build_id.hpp"
#include "common/error.hpp"
#include "common/table.hpp"
#include "groups/engine/groups_runner.hpp"

namespace tiersplit::groups {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kSensitivitySteps = 16;
constexpr double kContender = 1.25;

double makespan_of(const GroupsResult& r) {
  return r.outcome.feasible ? r.outcome.makespan_s : kInf;
}

/// Rows best first: shorter makespan, then the choice's order (deterministic ties).
void sort_best_first(std::vector<const GroupsResult*>& rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const GroupsResult* a, const GroupsResult* b) {
    const double x = makespan_of(*a), y = makespan_of(*b);
    if (x != y) return x < y;
    return a->choice < b->choice;
  });
}

/// Per point, the configurations worth simulating: the closed form's best `finalists` and each
/// strategy's best `per_strategy` (feasible ones only).
std::vector<std::size_t> pick_finalists(const std::vector<GroupsResult>& screened,
                                        const GroupsSearchOptions& o) {
  std::vector<const GroupsResult*> rows;
  for (const auto& r : screened) {
    if (r.outcome.feasible) rows.push_back(&r);
  }
  sort_best_first(rows);
  std::set<std::size_t> chosen;
  std::map<Strategy, std::size_t> taken;
  const double best = rows.empty() ? 0 : makespan_of(*rows.front());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const bool top = i < o.finalists;
    // A strategy far from the best needs only its best simulated (its baseline); one within
    // kContender of the best gets per_strategy, in case the closed form ranks it wrongly.
    const std::size_t wanted =
        makespan_of(*rows[i]) <= kContender * best ? o.per_strategy : std::size_t{1};
    if (top || taken[rows[i]->choice.strategy] < wanted) {
      chosen.insert(rows[i]->config);
      ++taken[rows[i]->choice.strategy];
    }
  }
  return {chosen.begin(), chosen.end()};
}

/// Why a strategy has no feasible configuration: the reason of its first screened row.
std::string why_infeasible(const std::vector<GroupsResult>& screened, Strategy s) {
  for (const auto& r : screened) {
    if (r.choice.strategy == s && !r.outcome.feasible) return r.outcome.why;
  }
  return "excluded by the search space";
}

/// A copy of the point with the storage-compute network scaled by `factor`.
GroupsPoint scaled(const GroupsPoint& p, double factor) {
  GroupsPoint q = p;
  auto& n = q.platform.network;
  n.bandwidth *= factor;
  if (n.core_bandwidth > 0) n.core_bandwidth *= factor;
  if (n.compute_nic > 0) n.compute_nic *= factor;
  return q;
}

/// A configuration's plan, built once and only when needed: neither its costs nor its plan depend
/// on the storage-compute bandwidth (MTP's task weights share one per-sample factor), so the
/// bandwidth range re-estimates the same plan at every scaled point.
struct Prepared {
  GroupsAlternative alt;  ///< the configuration and what bounds its time from below
  double bound_s = 0;     ///< lower_bound() at the point being scanned

  /// What no plan of this configuration can beat at `at`: its busiest worker's compute, its
  /// bytes through the storage nodes' paths and its pushdowns on their slots.
  double lower_bound(const GroupsPoint& at) const {
    const auto& st = at.platform.storage;
    const double nodes = static_cast<double>(st.nodes);
    return std::max({alt.floor_s, alt.bytes / (nodes * at.platform.network.path_bandwidth()),
                     alt.storage_s / (nodes * static_cast<double>(st.slots()))});
  }
  std::optional<std::pair<GroupsCosts, Plan>> built;  ///< costs and plan, once needed

  double makespan_at(const GroupsStudy& st, const GroupsPoint& p, const GroupsPoint& at) {
    if (!built) {
      GroupsCosts costs = make_groups_costs(st.scenario, p, st.backbone, alt.choice.split,
                                            alt.choice.storage_batch);
      Plan plan = build_plan(p, costs, alt.choice);
      built.emplace(std::move(costs), std::move(plan));
    }
    if (!built->second.feasible) return kInf;
    return estimate_plan(built->second, built->first, at, st.scenario.chunks).makespan_s;
  }
};

/// The busiest worker's compute in a screened outcome (the same at every bandwidth).
double compute_floor(const GroupsOutcome& o) {
  double f = 0;
  for (const auto& w : o.workers) f = std::max(f, w.busy_s);
  return f;
}

/// The alternatives for the range: the closed form's best of each (strategy, extraction, split).
std::vector<GroupsAlternative> range_alternatives(const std::vector<GroupsResult>& screened) {
  std::map<std::tuple<Strategy, Extraction, int64_t>, const GroupsResult*> best;
  for (const auto& r : screened) {
    if (!r.outcome.feasible) continue;
    auto key = std::make_tuple(r.choice.strategy, r.choice.extraction, r.choice.split);
    auto it = best.find(key);
    if (it == best.end() || r.outcome.makespan_s < it->second->outcome.makespan_s) best[key] = &r;
  }
  std::vector<GroupsAlternative> out;
  for (const auto& [k, r] : best)
    out.push_back({r->choice, compute_floor(r->outcome), r->outcome.storage_to_compute_bytes,
                   r->outcome.storage_compute_s});
  return out;
}

GroupsPointRecommendation assemble(const GroupsStudy& st, std::size_t pi,
                                   const std::vector<GroupsResult>& screened,
                                   const std::vector<GroupsResult>& simulated,
                                   const GroupsSearchOptions& o) {
  const GroupsPoint& p = st.points[pi];
  GroupsPointRecommendation pr;
  pr.point = pi;
  pr.labels = p.labels;
  pr.groups = static_cast<int64_t>(p.workload.group_sizes.size());
  pr.samples = p.workload.samples();
  pr.configurations = static_cast<int64_t>(p.workload.configs.size());
  pr.workers = p.platform.compute.nodes;
  pr.largest_share = static_cast<double>(p.workload.group_sizes.front()) /
                     static_cast<double>(std::max<int64_t>(1, pr.samples));
  pr.screened = screened.size();
  pr.simulated = simulated.size();
  std::vector<const GroupsResult*> rows;
  for (const auto& r : simulated) rows.push_back(&r);
  sort_best_first(rows);
  pr.choice = *rows.front();
  const double best = pr.choice.outcome.makespan_s;
  for (std::size_t i = 1; i < rows.size() && pr.runner_ups.size() < 3; ++i) {
    if (rows[i]->outcome.feasible) pr.runner_ups.push_back(*rows[i]);
  }
  for (Strategy s : kStrategies) {
    StrategyBaseline b;
    b.strategy = s;
    for (const GroupsResult* r : rows) {
      if (r->choice.strategy == s && r->outcome.feasible) {
        b.feasible = true;
        b.best = *r;
        b.speedup = best > 0 ? r->outcome.makespan_s / best : 1;
        break;
      }
    }
    if (!b.feasible) b.why = why_infeasible(screened, s);
    pr.strategies.push_back(b);
  }
  for (Extraction e : kExtractions) {  // an extraction mode that never fits: say why
    bool any = false, listed = false;
    std::string why;
    for (const auto& r : screened) {
      if (r.choice.extraction != e) continue;
      listed = true;
      any = any || r.outcome.feasible;
      if (!r.outcome.feasible && why.empty()) why = r.outcome.why;
    }
    if (listed && !any)
      pr.notes.push_back(std::string(to_string(e)) + " extraction fits nowhere: " + why);
  }
  pr.bandwidth =
      groups_bandwidth_range(st, pi, pr.choice.choice, range_alternatives(screened), o.tolerance);
  return pr;
}

}  // namespace

GroupsBandwidthRange groups_bandwidth_range(const GroupsStudy& st, std::size_t pi,
                                            const GroupsChoice& choice,
                                            const std::vector<GroupsAlternative>& alternatives,
                                            double tolerance) {
  const GroupsPoint& p = st.points[pi];
  GroupsBandwidthRange r;
  Prepared mine{{choice, 0, 0, 0}, 0, {}};
  std::vector<Prepared> others;
  for (const auto& a : alternatives) {
    if (!(a.choice == choice)) others.push_back({a, 0, {}});
  }
  // Holds at `factor` when no alternative beats the choice by more than the tolerance. An
  // alternative whose lower bound is above the best time so far cannot: the scan stops there.
  auto holds = [&](double factor, std::string* best_label) {
    const GroupsPoint q = scaled(p, factor);
    for (auto& a : others) a.bound_s = a.lower_bound(q);
    std::stable_sort(others.begin(), others.end(),
                     [](const Prepared& a, const Prepared& b) { return a.bound_s < b.bound_s; });
    const double m = mine.makespan_at(st, p, q);
    double best = m;
    std::string label = choice.label();
    for (auto& a : others) {
      if (a.bound_s >= std::min(best, m / (1 + tolerance))) break;
      const double x = a.makespan_at(st, p, q);
      if (x < best) best = x, label = a.alt.choice.label();
    }
    if (best_label) *best_label = label;
    return m <= best * (1 + tolerance);
  };
  r.holds_at_point = holds(1.0, nullptr);
  r.low_bounded = r.high_bounded = false;
  if (r.holds_at_point) {
    for (int k = 1; k <= kSensitivitySteps; ++k) {
      const double f = std::pow(2.0, -k / 4.0);
      if (!holds(f, &r.below)) {
        r.low_bounded = true;
        break;
      }
      r.low_factor = f;
    }
    for (int k = 1; k <= kSensitivitySteps; ++k) {
      const double f = std::pow(2.0, k / 4.0);
      if (!holds(f, &r.above)) {
        r.high_bounded = true;
        break;
      }
      r.high_factor = f;
    }
  }
  if (!r.low_bounded) r.below.clear();
  if (!r.high_bounded) r.above.clear();
  r.low_bps = p.platform.network.bandwidth * r.low_factor;
  r.high_bps = p.platform.network.bandwidth * r.high_factor;
  return r;
}

GroupsRecommendation recommend_groups(const GroupsStudy& st, const GroupsSearchOptions& o) {
  std::vector<std::size_t> all(st.configs.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  sim::RunOptions screen;
  screen.simulate = false;
  const std::vector<GroupsResult> screened = run_groups(st, all, screen);

  std::vector<std::vector<GroupsResult>> by_point(st.points.size());
  for (const auto& r : screened) by_point[r.point].push_back(r);
  std::vector<std::size_t> finalists;
  for (std::size_t pi = 0; pi < st.points.size(); ++pi) {
    const auto f = pick_finalists(by_point[pi], o);
    if (f.empty()) {
      std::string why =
          by_point[pi].empty() ? "the search space is empty" : by_point[pi].front().outcome.why;
      fail(st.scenario.file, ": no configuration fits at sweep point ", pi, " (",
           by_point[pi].empty() ? "" : by_point[pi].front().choice.label(), ": ", why, ")");
    }
    finalists.insert(finalists.end(), f.begin(), f.end());
  }
  sim::RunOptions run;
  run.jobs = o.jobs;
  run.progress = o.progress;
  run.label = "simulate finalists";
  const std::vector<GroupsResult> simulated = run_groups(st, finalists, run);

  std::vector<std::vector<GroupsResult>> sim_by_point(st.points.size());
  for (const auto& r : simulated) sim_by_point[r.point].push_back(r);
  GroupsRecommendation rec;
  rec.scenario = st.scenario.name;
  rec.scenario_file = st.scenario.file;
  rec.input_digest = st.input_digest;
  rec.build = build_id();
  rec.tolerance = o.tolerance;
  for (std::size_t pi = 0; pi < st.points.size(); ++pi)
    rec.points.push_back(assemble(st, pi, by_point[pi], sim_by_point[pi], o));
  if (!o.trace_file.empty()) {  // the choice's timeline, simulated once more with a recorder
    sim::RunOptions traced;
    traced.jobs = 1;
    traced.progress = false;
    traced.trace_file = o.trace_file;
    run_groups(st, {rec.points.front().choice.config}, traced);
  }
  return rec;
}

}  // namespace tiersplit::groups
