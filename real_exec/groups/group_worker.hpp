// group_worker.hpp: one compute worker of a real groups run — it streams its groups' samples
// through the pushdown server, runs the frozen blocks [s, f) left to it, trains its heads, sums
// gradients with the workers that share a group through Gloo, and records what it did.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "real_exec/groups/run_plan.hpp"
#include "real_exec/groups/run_spec.hpp"

namespace tiersplit::real_exec::groups {

class WorkerGroup;

/// What a caller may want besides the record.
struct WorkerHooks {
  bool keep_weights = false;  ///< put every head's final weights in the record (tests)
  std::function<void(int64_t done, int64_t tasks)> task_done;  ///< after each task (progress)
  /// A folder every worker sees (worker_checkpoint.hpp): weights and records after every epoch
  /// ("": none).
  std::string checkpoints;
  /// Go on from the checkpoints: every task from the last epoch all its holders finished.
  bool resume = false;
};

/// Reads the dataset's groups from the server, plans the run for `world` workers (plan_run) and
/// runs worker `rank`'s tasks; returns its record (docs/groups-real.md, "Run report"): times,
/// bytes, per (group, configuration, epoch) the samples trained and their digest, per (group,
/// configuration) the held-out accuracy after every epoch (owners only). `group` is null for a
/// single worker. Fails with one line naming the worker when the server, the data or a peer
/// fails.
nlohmann::json run_worker(const RunSpec& spec, int rank, int world, WorkerGroup* group,
                          const WorkerHooks& hooks = {});

}  // namespace tiersplit::real_exec::groups
