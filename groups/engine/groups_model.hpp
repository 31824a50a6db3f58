// groups_model.hpp: a groups plan simulated with SimGrid — the storage tier shared by every
// worker's streams, the storage-compute network, P workers with local disks, the network between
// them (all-reduces, partial gradients, models moving).
#pragma once

#include <cstdint>

#include "groups/closed_form.hpp"
#include "groups/costs.hpp"
#include "groups/plan.hpp"
#include "groups/scenario.hpp"

namespace tiersplit::sim {
class TraceRecorder;
}

namespace tiersplit::groups {

/// Builds this process's SimGrid engine and platform once, for up to `storage_nodes` storage
/// nodes and `workers` workers (with the point's network model and storage slots).
void prepare_groups_engine(const GroupsPoint& point, int64_t storage_nodes, int64_t workers);

/// Simulates a feasible `plan` from clock 0 (sim/engine/engine_clock.hpp): its makespan, every
/// worker's busy, waiting and idle time, and the plan's totals. `trace` receives one interval
/// per step and worker (tracks "worker-j"), and the storage nodes' work.
GroupsOutcome simulate_plan(const Plan& plan, const GroupsCosts& costs, const GroupsPoint& point,
                            int64_t chunks, int64_t prefetch, sim::TraceRecorder* trace = nullptr);

}  // namespace tiersplit::groups
