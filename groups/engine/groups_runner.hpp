// groups_runner.hpp: many groups configurations evaluated at once — by the closed form in this
// process, or simulated in forked workers through sim::simulate_items (one SimGrid engine each).
#pragma once

#include <cstddef>
#include <vector>

#include "groups/results.hpp"
#include "groups/study.hpp"
#include "sim/engine/worker_pool.hpp"

namespace tiersplit::groups {

/// Result rows of the configurations `which` of `study`, in that order: simulated when
/// `options.simulate` (infeasible plans are not simulated; their row says why), else the closed
/// form. `options.trace_file`: the per-worker timeline of the first of `which`.
std::vector<GroupsResult> run_groups(const GroupsStudy& study,
                                     const std::vector<std::size_t>& which,
                                     const sim::RunOptions& options);

}  // namespace tiersplit::groups
