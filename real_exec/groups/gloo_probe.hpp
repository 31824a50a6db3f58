// gloo_probe.hpp: what one Gloo call costs between the workers — an all-reduce of a few floats
// and a send/recv round trip — measured the way the runs call Gloo, for the simulator's compute
// network (latency and per-call overhead).
#pragma once

#include <nlohmann/json.hpp>

#include "real_exec/groups/worker_group.hpp"

namespace tiersplit::real_exec::groups {

/// On every worker of `group`, together: `calls` all-reduces of 16 floats and `calls` round
/// trips of 16 floats between ranks 0 and 1, after a warm-up. Returns, the same on every rank:
/// world, calls, allreduce_s (per call), round_trip_s, latency_s (half a round trip) and
/// collective_overhead_s (an all-reduce's time beyond its 2 (P - 1) latencies, at least 0).
nlohmann::json probe_collectives(WorkerGroup& group, int calls);

}  // namespace tiersplit::real_exec::groups
