// closed_form.hpp: a groups plan's makespan in closed form, to screen configurations: each
// worker's own time through its steps, the shared storage tier and links divided between the
// workers streaming at the same time, phases as workers finish.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "groups/costs.hpp"
#include "groups/plan.hpp"

namespace tiersplit::groups {

/// One worker's time (seconds from the start).
struct WorkerTimes {
  double own_s = 0;      ///< its steps alone: compute, transfers, synchronisations
  double finish_s = 0;   ///< when its last step ends
  double busy_s = 0;     ///< computing (extraction, heads, updates)
  double waiting_s = 0;  ///< for data or other workers, before it finished
  double idle_s = 0;     ///< after it finished, until the makespan
};

/// What a plan costs, from the closed form or the simulation.
struct GroupsOutcome {
  bool feasible = true;
  std::string why;
  std::string source = "closed-form";  ///< or "simulation"
  double makespan_s = 0;
  std::vector<WorkerTimes> workers;
  double storage_to_compute_bytes = 0;
  double storage_compute_s = 0;  ///< pushdown seconds of all streams
  int64_t syncs = 0;
  double sync_bytes = 0;
  double cache_bytes = 0;
  std::string cache_location = "none";
  std::string bottleneck;  ///< "storage", "network", "compute", "sync" or "skew"
};

/// The totals every outcome of `plan` shares (bytes, storage work, synchronisations, cache), on
/// `storage_nodes` nodes.
GroupsOutcome plan_totals(const Plan& plan, const GroupsCosts& costs, int64_t storage_nodes);

/// The closed-form outcome of a feasible plan (an infeasible one: feasible false, why).
GroupsOutcome estimate_plan(const Plan& plan, const GroupsCosts& costs, const GroupsPoint& point,
                            int64_t chunks);

/// A step's duration on its worker alone (shared resources at full speed, the message or the
/// other participants ready): pieces pipelined through storage, network and worker.
double step_alone_s(const Step& step, const GroupsCosts& costs, const GroupsPoint& point,
                    const std::string& cache_location, int64_t chunks);

}  // namespace tiersplit::groups
