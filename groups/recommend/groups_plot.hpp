// groups_plot.hpp: `recommend --plot out.png` on a groups scenario: the makespan of every strategy
// per sweep point, and the choice's per-worker timeline (a Gantt chart) at the first point.
#pragma once

#include <string>

#include "groups/recommend/groups_recommendation.hpp"

namespace tiersplit::groups {

/// Draws the plot into `png` with gnuplot; `trace_file` is the choice's Chrome trace
/// (GroupsSearchOptions::trace_file). Throws tiersplit::Error when gnuplot is missing or fails.
void write_groups_plot(const GroupsRecommendation& r, const std::string& trace_file,
                       const std::string& png);

}  // namespace tiersplit::groups
