// simgrid_model.hpp: simulating one configuration with SimGrid (with worker_pool.cpp, the only
// code that includes SimGrid).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/engine_clock.hpp"
#include "sim/run_output.hpp"
#include "sim/scenario.hpp"
#include "sim/stage_costs.hpp"

namespace tiersplit::sim {

class TraceRecorder;

/// Sets up the process's SimGrid engine and platform once: the network model can't change
/// afterwards, and node counts can only be those given here or fewer. Called implicitly by
/// simulate() with the spec's values when not called before.
/// `pf` gives the network model and storage slots; the counts are the most any configuration uses.
void prepare_engine(const PlatformParams& pf, int64_t storage_nodes, int64_t compute_nodes);

/// Simulates one configuration in this process's engine, from clock 0 where can_restart_clock():
/// the result then depends on `costs` alone, not on what the engine ran before. `trace`, when
/// given, receives the timeline.
RunOutput simulate(const ConfigurationCosts& costs, TraceRecorder* trace = nullptr);

/// Steady-state iteration time from the completion times of a window's iterations, the first
/// of which began at `arrival_s`: the mean over the iterations after the first `warmup` of them,
/// or (warmup < 0, or none left after it) over the second half of the window.
double steady_iteration_time(const std::vector<double>& ends, double arrival_s,
                             int64_t warmup = -1);

}  // namespace tiersplit::sim
