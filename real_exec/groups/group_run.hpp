// group_run.hpp: a real groups run as a whole — P worker processes started on this machine the way
// torchrun starts them (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), their records merged into one
// run report, and the report's checks (every sample once per configuration and epoch).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "real_exec/groups/group_dataset.hpp"
#include "real_exec/groups/run_spec.hpp"

namespace tiersplit::real_exec::groups {

/// How `tiersplit groups run` starts its workers (unit, default, meaning).
struct LaunchOptions {
  int workers = 2;                        ///< P worker processes on this machine
  std::string out_dir;                    ///< spec, workers' logs and records, the report
  std::string master_addr = "127.0.0.1";  ///< where rank 0 hosts the TCPStore
  int master_port = 0;                    ///< 0: a free port
  double timeout_s = 3600;                ///< the whole run [s]; workers are stopped after it
  /// A testbed with workers (tiersplit testbed up --workers P): worker R runs in its namespace on
  /// its cores, rank 0's address is the master. "": plain processes on this machine.
  std::string testbed_dir;
  /// Go on from OUT_DIR's checkpoints (a run interrupted before), and start the workers again
  /// from them when one fails during this run, at most `restarts` times.
  bool resume = false;
  int restarts = 3;
};

/// Writes the spec, starts `tiersplit groups worker` P times (on the testbed's workers if given),
/// shows progress, stops every worker as soon as one fails (naming it, with its last lines) and
/// returns the merged report.
nlohmann::json run_local(const RunSpec& spec, const LaunchOptions& options);

/// Starts P `tiersplit groups probe-worker` (as run_local starts workers, on the testbed if
/// given) and returns rank 0's probe_collectives figures (gloo_probe.hpp) plus the link.
nlohmann::json run_gloo_probe(const LaunchOptions& options, int calls, double timeout_s,
                              int64_t large_bytes = 1 << 20);

/// The run report from the workers' records (docs/groups-real.md, "Run report"): makespan, per
/// worker busy / waiting / idle time, bytes and calls, per (group, configuration) the held-out
/// accuracy, and "checks": whether every group's training samples were used exactly once per
/// (configuration, epoch), with every violation listed.
nlohmann::json merge_records(const RunSpec& spec, const std::vector<DatasetGroup>& groups,
                             const std::vector<nlohmann::json>& records);

}  // namespace tiersplit::real_exec::groups
