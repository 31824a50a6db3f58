// run_output.hpp: what the SimGrid engine measured for one configuration (plain data, so that
// result rows can be made without linking SimGrid).
#pragma once

#include <cstdint>
#include <vector>

namespace tiersplit::sim {

/// What the simulation measured for one tenant. Times in seconds, relative to the tenant's arrival
/// unless said otherwise.
struct TenantRun {
  bool simulated = false;            ///< false: its pushdown can never fit a storage node's memory
  int64_t measured_iterations = 0;   ///< the window: simulation/iterations once all tenants arrived
  int64_t first_measured_iteration = 0;
  int64_t simulated_iterations = 0;  ///< including iterations run to keep contention for others
  std::vector<double> iteration_end_s;  ///< completion of each simulated iteration
  double first_iteration_s = 0;
  double iteration_s = 0;            ///< steady state: mean over the second half of the window
  double job_s = 0;                  ///< simulated iterations, then the steady state for the rest
  double bytes_per_iteration = 0;    ///< bytes sent over the network, the window's mean
  double storage_busy = 0;           ///< over the steady window, tier level (any tenant)
  double network_busy = 0;           ///< bytes / capacity of its busiest link over the window
  double compute_busy = 0;
  double peak_storage_memory = 0;    ///< peak pushdown memory in use on its busiest storage node
  double memory_wait_s = 0;          ///< total time its pushdowns waited for memory (the window)
  /// Tenants still running (arrived, job not finished) when its measured window began and ended:
  /// fewer at the end means others finished during the window, and the steady state comes from
  /// the later phase.
  int64_t running_at_window_begin = 0;
  int64_t running_at_window_end = 0;
};

struct RunOutput {
  std::vector<TenantRun> tenants;
  double makespan_s = 0;             ///< simulated time of the whole run
};

}  // namespace tiersplit::sim
