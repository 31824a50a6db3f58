// tier_jobs.hpp: run `tiersplit` measurements on the testbed's tiers, alone or both at once.
#pragma once

#include <string>
#include <vector>

namespace tiersplit::real_exec {

/// Runs `tiersplit <args>` here (the command heads `log`, its output follows); fails naming the
/// subcommand with the log's last lines when it does not exit 0.
void run_self(const std::vector<std::string>& args, const std::string& log);

/// `tiersplit <args>` on a testbed tier (pinned, namespace), as an argv for run_process.
std::vector<std::string> on_tier(const std::string& state_dir, const std::string& tier,
                                 const std::vector<std::string>& tiersplit_args);

/// One measurement on one tier: `tiersplit <args> -o <file>`. A file that exists is kept (the
/// measurement is not repeated).
struct TierJob {
  std::string tier;               ///< "storage" or "compute"
  std::vector<std::string> args;  ///< tiersplit arguments, without -o
  std::string file;               ///< the result; written via <file>.part, log in <file>.log
};

/// Runs the jobs one after the other, each with the other tier idle. `what` names them in
/// errors ("profiling resnet18").
void run_tier_jobs_alone(const std::string& state_dir, const std::vector<TierJob>& jobs,
                         const std::string& what);

/// Runs the jobs at once, so each is measured while the others' tiers work: a job that finishes
/// first repeats (into <file>.filler) until all have finished; a job whose file exists only
/// fills. Stops all and fails with the log's last lines when one fails.
void run_tier_jobs_together(const std::string& state_dir, const std::vector<TierJob>& jobs,
                            const std::string& what);

}  // namespace tiersplit::real_exec
