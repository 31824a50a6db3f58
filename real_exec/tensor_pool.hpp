// tensor_pool.hpp: the pushdown server's own memory for large tensors — pages mapped per block,
// kept for reuse up to a limit and given back to the system beyond it, so that the process stays
// within its memory budget plus weights however requests interleave.
#pragma once

#include <cstdint>

namespace tiersplit::real_exec {

/// Settings of the pool (unit, default, what it does).
struct TensorPoolOptions {
  /// [B], 1 MiB: smaller tensors stay in the malloc heap (they do not fragment it much).
  int64_t min_block_bytes = int64_t{1} << 20;
  /// [B], 2 GiB: mapped bytes (live + kept) above which a freed block is unmapped instead of
  /// kept, and kept blocks are unmapped before a new one is mapped. The server sets it to its
  /// memory budget and raises it by each model's weights as it loads them.
  int64_t limit_bytes = int64_t{2} << 30;
  /// A kept block serves a request of up to this much less than its size (4: a request of a
  /// quarter of the block; the unused part counts against the limit like the rest).
  double max_oversize = 4;
};

/// What the pool holds and did so far.
struct TensorPoolStats {
  int64_t live_bytes = 0;     ///< mapped and in use by tensors
  int64_t kept_bytes = 0;     ///< mapped, free, kept for reuse
  int64_t peak_bytes = 0;     ///< largest live + kept so far
  int64_t limit_bytes = 0;    ///< current limit
  int64_t outside_bytes = 0;  ///< held outside the pool for work in flight (add_outside)
  int64_t reused = 0;         ///< allocations served from kept blocks
  int64_t mapped = 0;         ///< allocations that mapped fresh pages
  int64_t unmapped = 0;       ///< blocks given back to the system
};

/// The process's pool: becomes LibTorch's CPU allocator for tensors of at least
/// `min_block_bytes` (smaller ones go to LibTorch's default allocator). Installed once per
/// process; later calls change nothing and return the same pool. The models' MemoryTracker
/// still counts every tensor (the pool sits below it, models::use_cpu_allocator).
///
///   TensorPoolOptions o;
///   o.limit_bytes = budget;
///   TensorPool& pool = TensorPool::install(o);
///   pool.raise_limit(weights_bytes);   // after loading a model
class TensorPool {
 public:
  static TensorPool& install(const TensorPoolOptions& options);
  /// The installed pool, or nullptr.
  static TensorPool* installed();
  void raise_limit(int64_t bytes);
  /// Bytes the process holds outside the pool for work in flight (response bodies, input
  /// samples), added when a request is admitted and subtracted (negative) when its memory is
  /// gone: they count against the limit, so that the pool keeps less while they live.
  void add_outside(int64_t delta);
  TensorPoolStats stats() const;

 private:
  TensorPool() = default;
};

}  // namespace tiersplit::real_exec
