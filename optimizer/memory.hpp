// memory.hpp: the optimizer's memory rules for the storage side (one pushdown) and the compute side
// (one trainer).
#pragma once

#include <cstdint>

#include "profiles/profile.hpp"

namespace tiersplit::optimizer {

/// Storage-side memory of one pushdown at split s and storage batch b [bytes]:
///   weights of blocks [0,s) + b x largest per-sample peak activation of blocks [0,s); 0 for s = 0.
/// (The same rule as sim::TenantPlan::pushdown_memory_bytes.)
double storage_memory_bytes(const profiles::Profile& storage_profile, int64_t split,
                            int64_t storage_batch);

/// Compute-side memory of one trainer at split s, freeze index f, training batch B [bytes], after
/// the reference system's model (docs/recommendation-format.md, "Memory"):
///   weights of blocks [s,L)
///   + B x (bytes crossing split s + peak activation of frozen blocks [s,f)
///          + 2 x outputs of the trainable blocks [f,L), kept for backward).
double compute_memory_bytes(const profiles::Profile& compute_profile, int64_t split,
                            int64_t freeze_index, int64_t training_batch);

}  // namespace tiersplit::optimizer
