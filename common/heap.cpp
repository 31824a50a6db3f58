// heap.cpp: glibc heap settings and the faulted-in reserve (see heap.hpp).
#include "common/heap.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "common/error.hpp"

namespace tiersplit {

void keep_freed_memory() {
  // A MobileNetV2 pushdown (64 px, s = 8, b = 8, 32 samples) took 45-53 ms with glibc's
  // defaults and 27-35 ms without the give-back; a VGG-11 trainer step at s = 15 (whose weight
  // gradient of 64 MiB is above any mmap threshold glibc accepts) took 95-140 ms with 16385 page
  // faults and 65-98 ms (median 75) with none (docs/validation.md, "Findings", has the commands).
  mallopt(M_MMAP_MAX, 0);  // no mmap for large blocks (a thread's arena still maps what its heap
                           // of 64 MiB cannot hold)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // fixed, so that frees do not move the trim threshold
  mallopt(M_TRIM_THRESHOLD, INT_MAX);   // give the heap's top back only above 2 GiB
  mallopt(M_TOP_PAD, 64 << 20);         // grow the heap in 64 MiB steps
}

void share_one_arena() {
  mallopt(M_ARENA_MAX, 1);
}

void map_large_blocks(std::size_t threshold) {
  mallopt(M_MMAP_MAX, 65536);  // glibc's default count
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(threshold));
}

std::size_t reserve_heap(int64_t mib) {
  keep_freed_memory();
  if (mib < 0 || mib > kMaxHeapReserveMiB)
    fail("a heap reserve of ", mib, " MiB is outside 0..", kMaxHeapReserveMiB,
         " (the largest glibc keeps)");
  if (mib == 0) return 0;
  const auto bytes = static_cast<std::size_t>(mib) << 20;
  auto* p = static_cast<volatile char*>(std::malloc(bytes));
  if (p == nullptr) fail("cannot reserve ", mib, " MiB of heap (out of memory)");
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  for (std::size_t i = 0; i < bytes; i += page) p[i] = 0;
  std::free(const_cast<char*>(p));
  return mallinfo2().keepcost;
}

int64_t thread_page_faults() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return static_cast<int64_t>(u.ru_minflt + u.ru_majflt);
}

}  // namespace tiersplit
