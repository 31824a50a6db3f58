// groups_search.cpp: screen by closed form, simulate finalists, choose, find the bandwidth range.
#include "groups/recommend/groups_search.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
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

double makespan_of(const GroupsResult& r) { return r.outcome.feasible ? r.outcome.makespan_s : kInf; }

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
                                        const std::vector<std::size_t>& indices,
                                        const GroupsSearchOptions& o) {
  std::vector<const GroupsResult*> rows;
  for (const auto& r : screened) {
    if (r.outcome.feasible) rows.push_back(&r);
  }
  sort_best_first(rows);
  std::set<std::size_t> chosen;
  std::map<Strategy, std::size_t> taken;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const bool top = i < o.finalists;
    if (top || taken[rows[i]->choice.strategy] < o.per_strategy) {
      chosen.insert(rows[i]->config);
      ++taken[rows[i]->choice.strategy];
    }
  }
  (void)indices;
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

double closed_form_at(const GroupsStudy& st, const GroupsPoint& p, const GroupsChoice& c) {
  const GroupsCosts costs = make_groups_costs(st.scenario, p, st.backbone, c.split, c.storage_batch);
  const Plan plan = build_plan(p, costs, c);
  if (!plan.feasible) return kInf;
  return estimate_plan(plan, costs, p, st.scenario.chunks).makespan_s;
}

/// The best of `alternatives` at the scaled point (closed form): its makespan and label.
std::pair<double, std::string> best_at(const GroupsStudy& st, const GroupsPoint& p,
                                       const std::vector<GroupsChoice>& alternatives) {
  std::pair<double, std::string> best{kInf, ""};
  for (const auto& a : alternatives) {
    const double m = closed_form_at(st, p, a);
    if (m < best.first) best = {m, a.label()};
  }
  return best;
}

/// The alternatives for the range: the closed form's best of each (strategy, extraction, split).
std::vector<GroupsChoice> range_alternatives(const std::vector<GroupsResult>& screened) {
  std::map<std::tuple<Strategy, Extraction, int64_t>, const GroupsResult*> best;
  for (const auto& r : screened) {
    if (!r.outcome.feasible) continue;
    auto key = std::make_tuple(r.choice.strategy, r.choice.extraction, r.choice.split);
    auto it = best.find(key);
    if (it == best.end() || r.outcome.makespan_s < it->second->outcome.makespan_s) best[key] = &r;
  }
  std::vector<GroupsChoice> out;
  for (const auto& [k, r] : best) out.push_back(r->choice);
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
  pr.bandwidth = groups_bandwidth_range(st, pi, pr.choice.choice, range_alternatives(screened),
                                        o.tolerance);
  return pr;
}

}  // namespace

GroupsBandwidthRange groups_bandwidth_range(const GroupsStudy& st, std::size_t pi,
                                            const GroupsChoice& choice,
                                            const std::vector<GroupsChoice>& alternatives,
                                            double tolerance) {
  const GroupsPoint& p = st.points[pi];
  GroupsBandwidthRange r;
  auto holds = [&](double factor, std::string* best_label) {
    const GroupsPoint q = scaled(p, factor);
    const auto [best, label] = best_at(st, q, alternatives);
    if (best_label) *best_label = label;
    return closed_form_at(st, q, choice) <= best * (1 + tolerance);
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
    const auto f = pick_finalists(by_point[pi], all, o);
    if (f.empty()) {
      std::string why = by_point[pi].empty() ? "the search space is empty"
                                             : by_point[pi].front().outcome.why;
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
