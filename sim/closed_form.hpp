// closed_form.hpp: the pipeline's iteration time in closed form, to screen configurations and
// cross-check the simulation.
#pragma once

#include <string>
#include <vector>

#include "sim/scenario.hpp"
#include "sim/stage_costs.hpp"

namespace tiersplit::sim {

/// The closed-form estimate for one tenant.
///   first iteration = max over nodes (read + storage compute + network tail) + compute
///   own period      = max(storage stage, network stage, compute stage,
///                         (storage + network tail + compute) / (prefetch + 1))
/// Tenants that run at the same time share the storage nodes, links and compute nodes: each
/// over-subscribed resource is divided by water-filling, which cuts their rates below their own.
/// Jobs go through phases (sim/phases.hpp): whenever a tenant arrives or finishes, the rates are
/// those of the tenants running then, so a tenant runs alone once the others have finished.
///   job       = when its last iteration ends, from its arrival
///   iteration = the steady iteration over the window the simulation measures (its first
///               `simulation.iterations` once every tenant has arrived: their second half)
struct ClosedForm {
  double storage_stage_s = 0;  ///< busiest storage node: disk read + request overheads + compute
  double network_stage_s = 0;  ///< busiest link: bytes / bandwidth
  double compute_stage_s = 0;
  double network_tail_s = 0;  ///< last byte arrives this long after the storage stage ends
  double cycle_bound_s = 0;   ///< (storage + tail + compute) / (prefetch + 1)
  double first_iteration_s = 0;
  double iteration_s = 0;  ///< steady state
  double epoch_s = 0;
  double job_s = 0;
  double bytes_per_iteration = 0;
  double storage_busy = 0, network_busy = 0, compute_busy = 0;
  std::string bottleneck;  ///< "storage", "network", "compute" or "pipeline" (the cycle bound)
  /// Fewer tenants run in the middle of its measured window than in all: others finished (or
  /// had not yet arrived), and its iteration is that of the phase with fewer tenants.
  bool others_finish_in_window = false;
  /// Iterations the simulation would run for this tenant: to the end of every tenant's measured
  /// window, at most its job (what a simulation of the configuration costs).
  double simulated_iterations = 0;
};

/// Closed form of tenant `focus` among `tenants` (all tenants of the configuration).
ClosedForm closed_form(const std::vector<TenantCosts>& tenants, std::size_t focus,
                       const PlatformParams& pf, int64_t prefetch_depth);
/// Closed form of every tenant at once (one walk through the phases for all).
std::vector<ClosedForm> closed_forms(const std::vector<TenantCosts>& tenants,
                                     const PlatformParams& pf, int64_t prefetch_depth);

/// Effective bandwidth and latency of the path from a storage node to a compute node.
struct PathModel {
  double bandwidth = 0;  ///< B/s, after the bandwidth factor and the TCP window bound
  double latency_s = 0;  ///< after the latency factor
  /// Of the latency, the part during which the link idles and a shaper's bucket refills: the
  /// path's configured latency (a delay that holds a message before the shaper, such as a
  /// server's pacer), at most latency_s. A latency factor above 1 adds a per-message cost on the
  /// busy link (calibrated: the response's headers), which refills nothing.
  double refill_s = 0;
  /// A shaper's bucket (network.burst) in the path's payload bytes, as the bandwidth [B].
  double burst_bytes = 0;
};
PathModel path_model(const PlatformParams& pf);

}  // namespace tiersplit::sim
