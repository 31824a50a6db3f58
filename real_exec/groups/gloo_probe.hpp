// gloo_probe.hpp: what Gloo calls cost between the workers — an all-reduce of a few floats, a
// send/recv round trip and an all-reduce of a large tensor — measured the way the runs call Gloo,
// for the simulator's compute network (latency, per-call overhead and bandwidth).
#pragma once

#include <nlohmann/json.hpp>

#include "real_exec/groups/worker_group.hpp"

namespace tiersplit::real_exec::groups {

/// On every worker of `group`, together: `calls` all-reduces of 16 floats, `calls` round trips of
/// 16 floats between ranks 0 and 1, and max(calls / 10, 5) all-reduces of `large_bytes` of
/// floats, each after a warm-up. Returns, the same on every rank: world, calls, allreduce_s (per
/// call), round_trip_s, latency_s (half a round trip), collective_overhead_s (an all-reduce's
/// time beyond its 2 (P - 1) latencies, at least 0), large_bytes, large_calls,
/// allreduce_large_s and bandwidth_bytes_per_s (the ring's 2 (P - 1) / P x large_bytes over what
/// the large all-reduce takes beyond the small one; 0 if it took no longer).
nlohmann::json probe_collectives(WorkerGroup& group, int calls, int64_t large_bytes = 1 << 20);

}  // namespace tiersplit::real_exec::groups
