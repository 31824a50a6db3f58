// memory_rules.hpp: how much memory one pushdown takes on the storage side and one trainer on the
// compute side — the one definition the simulator, the optimizer and the pushdown server's
// admission control use.
#pragma once

#include <cstdint>

#include "profiles/profile.hpp"

namespace tiersplit::sim {

/// Storage-side memory of one pushdown [bytes]: the weights of blocks [0, s) plus b times the
/// largest per-sample inference peak of those blocks. `weight_bytes` and `peak_bytes_per_sample`
/// are those of blocks [0, s); a split of 0 (no pushdown) takes none.
int64_t pushdown_memory_bytes(int64_t split, int64_t weight_bytes, int64_t peak_bytes_per_sample,
                              int64_t storage_batch);

/// The same rule from a profile: weights of blocks [0, s) + b x max peak activation of [0, s).
double storage_memory_bytes(const profiles::Profile& storage_profile, int64_t split,
                            int64_t storage_batch);

/// Compute-side memory of one trainer at split s, freeze index f, training batch B [bytes], after
/// the reference system's model (docs/recommendation-format.md, "Memory"):
///   weights of blocks [s,L)
///   + B x (bytes crossing split s + peak activation of frozen blocks [s,f)
///          + 2 x outputs of the trainable blocks [f,L), kept for backward).
double compute_memory_bytes(const profiles::Profile& compute_profile, int64_t split,
                            int64_t freeze_index, int64_t training_batch);

}  // namespace tiersplit::sim
