// study.cpp: a groups scenario's configurations and their closed-form rows.
#include "groups/study.hpp"

#include <algorithm>
#include <limits>

#include "common/error.hpp"

namespace tiersplit::groups {

GroupsStudy prepare_groups_study(const GroupsScenario& sc, sim::ProfileCache& cache) {
  GroupsStudy st;
  st.scenario = sc;
  st.backbone = resolve_backbone(sc, cache);
  st.points = expand_groups_sweep(sc);
  for (const int64_t s : sc.search.splits) {
    if (s > st.backbone.freeze_index)
      fail(sc.file, ": /search/splits: split ", s, " is beyond the freeze index ",
           st.backbone.freeze_index);
  }
  for (std::size_t pi = 0; pi < st.points.size(); ++pi) {
    for (const GroupsChoice& c : candidate_choices(st, pi)) st.configs.push_back({pi, c});
  }
  st.input_digest = sc.digest + "-" + cache.digest();
  return st;
}

namespace {

template <typename T, std::size_t N>
std::vector<T> or_all(const std::vector<T>& listed, const T (&all)[N]) {
  return listed.empty() ? std::vector<T>(std::begin(all), std::end(all)) : listed;
}

/// Storage batches tried at split s: the listed ones (within B), else the useful one.
std::vector<int64_t> batches_at(const GroupsStudy& st, const GroupsPoint& p, int64_t s) {
  const int64_t B = p.workload.batch_size;
  std::vector<int64_t> listed;
  for (int64_t b : st.scenario.search.storage_batches) {
    if (b <= B) listed.push_back(b);
  }
  if (!st.scenario.search.storage_batches.empty()) {
    if (listed.empty())
      fail(st.scenario.file,
           ": /search/storage_batches: every listed batch exceeds the training "
           "batch ",
           B);
    return listed;
  }
  if (s == 0) return {1};
  const double memory = p.platform.storage.memory_bytes /
                        static_cast<double>(std::max<int64_t>(1, p.platform.compute.nodes));
  const auto& profile = *st.backbone.storage_profile;
  std::vector<std::pair<int64_t, double>> fits;
  double best = std::numeric_limits<double>::infinity();
  for (int64_t b = 1; b <= B; b *= 2) {
    if (!profile.batch_sizes.empty() &&
        b > profile.batch_sizes.back() * profiles::kDocumentedExtrapolation &&
        !st.scenario.allow_extrapolation)
      break;
    const GroupsCosts c = make_groups_costs(st.scenario, p, st.backbone, s, b);
    if (c.pushdown_memory_bytes > memory) break;
    fits.emplace_back(b, c.storage_s_per_sample);
    best = std::min(best, c.storage_s_per_sample);
  }
  for (const auto& [b, t] : fits) {
    if (t <= best * 1.01) return {b};
  }
  return {1};  // nothing fits: the plan says why
}

}  // namespace

std::vector<GroupsChoice> candidate_choices(const GroupsStudy& st, std::size_t pi) {
  const GroupsPoint& p = st.points[pi];
  const GroupsSearchSpace& sp = st.scenario.search;
  std::vector<int64_t> splits = sp.splits;
  if (splits.empty()) {
    for (int64_t s = 0; s <= st.backbone.freeze_index; ++s) splits.push_back(s);
  }
  std::vector<GroupsChoice> out;
  for (Strategy strategy : or_all(sp.strategies, kStrategies)) {
    for (Extraction extraction : or_all(sp.extractions, kExtractions)) {
      if (strategy == Strategy::kMtp && extraction == Extraction::kShared) continue;
      const std::vector<Placement> placements =
          strategy == Strategy::kGl ? or_all(sp.placements, kPlacements)
                                    : std::vector<Placement>{Placement::kWrapAround};
      for (int64_t s : splits) {
        for (int64_t b : batches_at(st, p, s)) {
          for (Placement placement : placements)
            out.push_back({strategy, extraction, s, b, placement});
        }
      }
    }
  }
  return out;
}

Evaluated evaluate(const GroupsStudy& st, const GroupsConfiguration& config) {
  const GroupsPoint& p = st.points[config.point];
  Evaluated e;
  e.costs = make_groups_costs(st.scenario, p, st.backbone, config.choice.split,
                              config.choice.storage_batch);
  e.plan = build_plan(p, e.costs, config.choice);
  return e;
}

GroupsResult groups_row(const GroupsStudy& st, std::size_t index, const Evaluated& e,
                        const GroupsOutcome* simulated) {
  const GroupsConfiguration& config = st.configs[index];
  const GroupsPoint& p = st.points[config.point];
  GroupsResult r;
  r.config = index;
  r.point = config.point;
  r.labels = p.labels;
  r.choice = config.choice;
  r.sharded_groups = e.plan.sharded_groups;
  r.extrapolated = e.costs.extrapolated;
  const GroupsOutcome cf = estimate_plan(e.plan, e.costs, p, st.scenario.chunks);
  r.closed_form_makespan_s = cf.makespan_s;
  r.outcome = simulated ? *simulated : cf;
  return r;
}

void check_feasible(const GroupsStudy& st) {
  std::vector<bool> fits(st.points.size(), false);
  std::vector<std::string> why(st.points.size());
  for (const auto& c : st.configs) {
    if (fits[c.point]) continue;
    const Evaluated e = evaluate(st, c);
    fits[c.point] = e.plan.feasible;
    if (why[c.point].empty()) why[c.point] = c.choice.label() + ": " + e.plan.why;
  }
  const GroupsSearchSpace& sp = st.scenario.search;
  const bool fixed = !sp.strategies.empty() || !sp.extractions.empty() || !sp.splits.empty() ||
                     !sp.storage_batches.empty() || !sp.placements.empty();
  for (std::size_t pi = 0; pi < st.points.size(); ++pi) {
    if (fits[pi]) continue;
    std::string where = fixed ? "/strategy" : "/platform/compute";
    if (st.points.size() > 1) where += " (sweep point " + std::to_string(pi) + ")";
    if (why[pi].empty()) fail(st.scenario.file, ": ", where, ": the search space is empty");
    fail(st.scenario.file, ": ", where, ": no configuration fits (", why[pi], ")");
  }
}

std::vector<std::size_t> groups_shard(const GroupsStudy& st, const sim::Shard& shard) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < st.configs.size(); ++i) {
    if (shard.contains(i)) out.push_back(i);
  }
  return out;
}

}  // namespace tiersplit::groups
