// study.hpp: a groups scenario made ready to run — the backbone resolved, the sweep points, every
// configuration the search space allows — and one configuration's costs, plan and closed form.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "groups/closed_form.hpp"
#include "groups/costs.hpp"
#include "groups/plan.hpp"
#include "groups/results.hpp"
#include "groups/scenario.hpp"
#include "sim/stage_costs.hpp"

namespace tiersplit::groups {

struct GroupsConfiguration {
  std::size_t point = 0;
  GroupsChoice choice;
};

struct GroupsStudy {
  GroupsScenario scenario;
  Backbone backbone;
  std::vector<GroupsPoint> points;
  std::vector<GroupsConfiguration> configs;
  std::string input_digest;  ///< of the scenario and the profiles it read
};

/// Resolves the backbone, expands the sweep and lists every configuration of every point
/// (candidate_choices). Errors name the file and JSON path.
GroupsStudy prepare_groups_study(const GroupsScenario& sc, sim::ProfileCache& cache);

/// The choices the search space allows at point `pi`: every strategy, extraction, split and (GL)
/// placement; per split the storage batches listed in the search, or else the useful one — the
/// smallest whose pushdown time per sample is within 1 % of the best that fits P concurrent
/// pushdowns in a storage node's memory.
std::vector<GroupsChoice> candidate_choices(const GroupsStudy& st, std::size_t pi);

/// A configuration's costs and plan.
struct Evaluated {
  GroupsCosts costs;
  Plan plan;
};
Evaluated evaluate(const GroupsStudy& st, const GroupsConfiguration& config);

/// The result row of configuration `index`: from `simulated` when given (its closed form beside
/// it), else the closed form.
GroupsResult groups_row(const GroupsStudy& st, std::size_t index, const Evaluated& e,
                        const GroupsOutcome* simulated);

/// Fails (one line naming the file and the fixed strategy or the platform) when some sweep point
/// has no feasible configuration — a cache that fits nowhere, heads beyond a worker's memory —
/// saying why for the first configuration of that point.
void check_feasible(const GroupsStudy& st);

/// Indices of the configurations in `shard`.
std::vector<std::size_t> groups_shard(const GroupsStudy& st, const sim::Shard& shard);

}  // namespace tiersplit::groups
