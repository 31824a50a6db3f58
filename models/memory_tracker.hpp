// memory_tracker.hpp: measures bytes LibTorch allocates on the CPU (current and peak) via a
// wrapping allocator.
#pragma once

#include <cstdint>

namespace c10 {
struct Allocator;
}

namespace tiersplit::models {

/// Makes `allocator` the one LibTorch's CPU tensors come from, below the tracker whether it is
/// installed already or later. `allocator` must hand pointers it did not allocate to
/// c10::GetDefaultCPUAllocator()'s deleter (tensors allocated before the switch are freed
/// through it).
void use_cpu_allocator(c10::Allocator* allocator);

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
