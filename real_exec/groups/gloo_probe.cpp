// gloo_probe.cpp: timing small Gloo calls between the workers (see gloo_probe.hpp).
#include "real_exec/groups/gloo_probe.hpp"

#include <algorithm>

#include "common/stopwatch.hpp"

namespace tiersplit::real_exec::groups {

namespace {

double all_reduces(WorkerGroup& g, torch::Tensor& t, int calls) {
  g.barrier();
  const auto t0 = SteadyClock::now();
  for (int i = 0; i < calls; ++i) g.all_reduce_sum(t);
  return seconds_since(t0) / calls;
}

/// Rank 0 sends, rank 1 answers; the others only wait. Per round trip [s] (on rank 0).
double round_trips(WorkerGroup& g, torch::Tensor& t, int calls) {
  g.barrier();
  const auto t0 = SteadyClock::now();
  for (int i = 0; i < calls; ++i) {
    if (g.rank() == 0) {
      g.send(t, 1, i);
      g.recv(t, 1, i);
    } else if (g.rank() == 1) {
      g.recv(t, 0, i);
      g.send(t, 0, i);
    }
  }
  return seconds_since(t0) / calls;
}

}  // namespace

nlohmann::json probe_collectives(WorkerGroup& g, int calls, int64_t large_bytes) {
  calls = std::max(calls, 1);
  torch::Tensor t = torch::zeros({16});
  all_reduces(g, t, std::min(calls, 10));  // warm-up: connections, buffers
  const double allreduce = all_reduces(g, t, calls);
  double rtt = g.world() > 1 ? round_trips(g, t, calls) : 0;
  torch::Tensor big = torch::zeros({std::max<int64_t>(large_bytes / 4, 16)});
  const int large_calls = std::max(calls / 10, 5);
  all_reduces(g, big, 2);
  const double large = all_reduces(g, big, large_calls);
  torch::Tensor shared = torch::tensor({allreduce, rtt, large}, torch::kFloat64);
  g.broadcast(shared, 0);  // rank 0's figures everywhere
  const double a = shared[0].item<double>(), r = shared[1].item<double>();
  const double l = shared[2].item<double>();
  const double latency = r / 2;
  const int p = g.world();
  // A ring all-reduce moves 2 (P - 1) / P of the tensor through each worker's link; what the
  // large call takes beyond the small one is that movement (CPU copies and sums included).
  const double moved = 2.0 * (p - 1) / p * static_cast<double>(big.numel() * 4);
  const double extra = l - a;
  return {{"world", p},
          {"calls", calls},
          {"allreduce_s", a},
          {"round_trip_s", r},
          {"latency_s", latency},
          {"collective_overhead_s", std::max(0.0, a - 2.0 * (p - 1) * latency)},
          {"large_bytes", big.numel() * 4},
          {"large_calls", large_calls},
          {"allreduce_large_s", l},
          {"bandwidth_bytes_per_s", extra > 0 ? moved / extra : 0.0}};
}

}  // namespace tiersplit::real_exec::groups
