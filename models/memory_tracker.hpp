// memory_tracker.hpp: measures bytes LibTorch allocates on the CPU (current and peak) via a
// wrapping allocator.
#pragma once

#include <cstdint>

namespace tiersplit::models {

/// Counts tensor memory allocated through LibTorch's CPU allocator. The first tracker installs a
/// wrapping allocator (for the rest of the process; the cost is two atomic adds per allocation).
/// Memory that oneDNN/MKL allocate for themselves is not seen.
///
///   MemoryTracker t;                 // peak reset to what is live now
///   auto y = block->forward(x);
///   int64_t extra = t.peak_bytes();  // peak of live bytes above the start, y included
class MemoryTracker {
 public:
  MemoryTracker();
  int64_t peak_bytes() const;   ///< peak live bytes since construction, minus live at construction
  static int64_t live_bytes();  ///< bytes live now (allocated through the tracker)

 private:
  int64_t start_;
};

}  // namespace tiersplit::models
