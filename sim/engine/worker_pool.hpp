// worker_pool.hpp: evaluating many configurations of a study — by the closed form in this
// process, or simulated in forked workers — the one path that simulate, sweep, recommend and the
// benchmarks take.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "sim/results.hpp"
#include "sim/study.hpp"

namespace tiersplit::sim {

struct RunOptions {
  int jobs = 0;                    ///< simulation workers; 0: one per core
  bool simulate = true;            ///< false: closed form only, in this process
  bool progress = true;            ///< a progress bar on a terminal
  std::string label = "simulate";  ///< the progress bar's name
  /// When not empty: the timeline of the first configuration of `which`, as Chrome trace events.
  std::string trace_file;
};

/// Result rows of the configurations `which` of `study`, in that order (each configuration's
/// reported tenants).
///
/// Simulation: `jobs` worker processes each build a SimGrid engine and platform once, then take
/// configurations from a shared counter and simulate them one after another, each from clock 0
/// (simgrid_model.hpp), so a result does not depend on which configurations ran before it in
/// the same worker; where the clock cannot be set back, each runs in a child forked from the
/// worker instead (slower, same results). This process never creates a SimGrid engine. A user
/// error in a worker is rethrown as tiersplit::Error.
std::vector<TenantResult> run_configurations(const Study& study,
                                             const std::vector<std::size_t>& which,
                                             const RunOptions& options);

/// The generic form, for any SimGrid model (tenants here, groups in groups/engine): `n` items
/// run in `options.jobs` forked workers, each calling `prepare` once (build its engine) and then
/// `run_item` for the items it takes from a shared counter, each from clock 0 (or in a child of
/// the worker where the clock cannot be set back). Returns each item's text, in item order.
std::vector<std::string> simulate_items(std::size_t n, const RunOptions& options,
                                        const std::function<void()>& prepare,
                                        const std::function<std::string(std::size_t)>& run_item);

/// Every configuration of the shard.
std::vector<TenantResult> run_shard(const Study& study, const Shard& shard,
                                    const RunOptions& options);

}  // namespace tiersplit::sim
