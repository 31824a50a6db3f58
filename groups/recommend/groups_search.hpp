// groups_search.hpp: the choice for a groups scenario — every configuration screened by the
// closed form, the finalists (the best overall and the best of each strategy) simulated, the
// fastest simulated one chosen, its bandwidth range found by the closed form.
#pragma once

#include <cstddef>
#include <string>

#include "groups/recommend/groups_recommendation.hpp"
#include "groups/study.hpp"

namespace tiersplit::groups {

struct GroupsSearchOptions {
  int jobs = 0;                  ///< simulation workers; 0: one per core
  bool progress = true;          ///< progress bars on a terminal
  std::size_t finalists = 6;     ///< the closed form's best configurations simulated, per point
  std::size_t per_strategy = 2;  ///< and each strategy's best, per point (one for a strategy
                                 ///< more than 25 % slower than the best in closed form)
  double tolerance = 0.05;       ///< "holds" in the bandwidth range: within this of the best
  std::string trace_file;        ///< when set: the choice's timeline at the first point
};

GroupsRecommendation recommend_groups(const GroupsStudy& study, const GroupsSearchOptions& options);

/// Another configuration the range compares with: the busiest worker's compute in its plan, its
/// storage -> compute bytes and pushdown seconds (bounds below its time at any bandwidth: an
/// alternative bounded above the best time so far is not estimated).
struct GroupsAlternative {
  GroupsChoice choice;
  double floor_s = 0;
  double bytes = 0;
  double storage_s = 0;
};

/// The choice's bandwidth range at point `pi` (factors 2^(k/4), k = -16..16, on the
/// storage-compute network), against the best of `alternatives` by the closed form.
GroupsBandwidthRange groups_bandwidth_range(const GroupsStudy& study, std::size_t pi,
                                            const GroupsChoice& choice,
                                            const std::vector<GroupsAlternative>& alternatives,
                                            double tolerance);

}  // namespace tiersplit::groups
