// reference_policy.hpp: the reference system's (HAPI's) published split policy: a pipelined epoch
// formula.
#pragma once

#include <cstdint>
#include <vector>

namespace tiersplit::optimizer {

/// Per-iteration stage times of one split as the reference system models them [s].
struct ReferenceStages {
  int64_t split = 0;
  double storage_s = 0;      ///< T_S: storage-side read + blocks [0,s) + sending its output
  double compute_s = 0;      ///< T_C: compute-side blocks [s,L) forward (+ backward after f)
  double non_overlap_s = 0;  ///< T_np: deserialisation and batch assembly, never overlapped
  bool compute_memory_fits = true;
};

/// The reference system's predicted epoch time with N iterations:
///   T_S + (N - 1) x (max(T_S, T_C) + T_np) + T_np + T_C
/// (the first storage stage is exposed, then N - 1 pipelined steps, then the last compute stage).
double reference_epoch_time(const ReferenceStages& st, int64_t iterations_per_epoch);

/// The split the reference policy picks among `splits` (any order): the smallest predicted epoch
/// time among those whose compute-side memory fits (ties: the smaller split); when none fits, the
/// freeze index `freeze_index`. Keeping no pushdown when it is measured faster is done by the
/// caller, which has the measurements.
int64_t reference_pick(const std::vector<ReferenceStages>& splits, int64_t iterations_per_epoch,
                       int64_t freeze_index);

}  // namespace tiersplit::optimizer
