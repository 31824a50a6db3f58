// sweep.hpp: expanding a scenario's sweep axes into points, and points into configurations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/scenario.hpp"

namespace tiersplit::sim {

/// One point of the sweep's cross product: the scenario with the swept values applied.
struct SweepPoint {
  std::size_t index = 0;
  PlatformParams platform;              ///< bandwidth, latency, node counts applied
  std::vector<TenantParams> tenants;    ///< tenant_count and training_batch applied
  int64_t prefetch_depth = 1;
  /// The swept values only ("bandwidth": "10 Gbps", ...), for output columns.
  std::vector<std::pair<std::string, std::string>> labels;
};

/// The cross product of the non-empty sweep axes, in a fixed order (bandwidth outermost, then
/// latency, storage_nodes, compute_nodes, tenant_count, training_batch, prefetch_depth).
/// tenant_count K cycles through the workload's tenants ("a", "b", "a#2", ...).
std::vector<SweepPoint> expand_sweep(const Scenario& sc);

/// Number of points expand_sweep returns, without building them.
std::size_t sweep_size(const SweepParams& sw);

/// Shard "i/n" (1-based i) of `total` items: every n-th item starting at i-1.
struct Shard {
  int64_t index = 1;
  int64_t count = 1;
  bool contains(std::size_t item) const {
    return static_cast<int64_t>(item % static_cast<std::size_t>(count)) == index - 1;
  }
};
/// Parses "3/8"; throws tiersplit::Error on anything else (a shard 0/4 or 5/4 included).
Shard parse_shard(const std::string& text);
/// "3/8".
std::string to_string(const Shard& shard);

}  // namespace tiersplit::sim
