// simgrid_model.hpp: simulating one configuration with SimGrid (the only sim file that includes SimGrid).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/scenario.hpp"
#include "sim/stage_costs.hpp"

namespace tiersplit::sim {

class TraceRecorder;

/// One configuration to simulate: the point's platform and every tenant's plan.
struct RunSpec {
  PlatformParams platform;
  int64_t prefetch_depth = 1;
  std::vector<TenantPlan> tenants;
};

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
};

struct RunOutput {
  std::vector<TenantRun> tenants;
  double makespan_s = 0;             ///< simulated time of the whole run
};

/// Sets up the process's SimGrid engine and platform once: the network model can't change
/// afterwards, and node counts can only be those given here or fewer. Called implicitly by
/// simulate() with the spec's values when not called before.
/// `pf` gives the network model and storage slots; the counts are the most any configuration uses.
void prepare_engine(const PlatformParams& pf, int64_t storage_nodes, int64_t compute_nodes);

/// Simulates one configuration in this process's engine (runs one after another, measuring
/// clock differences). `trace`, when given, receives the timeline.
RunOutput simulate(const RunSpec& spec, TraceRecorder* trace = nullptr);

/// Steady-state iteration time from the completion times of a window's iterations, the first
/// of which began at `arrival_s`: the mean over the iterations after the first `warmup` of them,
/// or (warmup < 0, or none left after it) over the second half of the window.
double steady_iteration_time(const std::vector<double>& ends, double arrival_s,
                             int64_t warmup = -1);

}  // namespace tiersplit::sim
