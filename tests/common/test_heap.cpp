// test_heap.cpp: the heap reserve — memory faulted in once is reused without page faults.
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>

#include "common/error.hpp"
#include "common/heap.hpp"

namespace {

/// Page faults of allocating and writing `bytes` (then freeing them).
int64_t faults_of_fresh_block(std::size_t bytes) {
  const int64_t before = tiersplit::thread_page_faults();
  char* p = static_cast<char*>(std::malloc(bytes));
  REQUIRE(p != nullptr);
  std::memset(p, 1, bytes);
  const int64_t faults = tiersplit::thread_page_faults() - before;
  std::free(p);
  return faults;
}

/// AddressSanitizer replaces glibc's malloc, whose heap the reserve is about (scripts/sanitize.sh).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kGlibcHeap = false;
#else
constexpr bool kGlibcHeap = true;
#endif

}  // namespace

TEST_CASE("heap: a reserve keeps its pages, so a later block of that size does not fault" *
          doctest::skip(!kGlibcHeap)) {
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  const std::size_t kept = tiersplit::reserve_heap(256);
  CHECK(kept >= 256 * kMiB);  // the freed reserve stays at the heap's top
  // 96 MiB are 24576 pages of 4 KiB: every one would fault if glibc had given the reserve back
  // or mapped the block on its own.
  CHECK(faults_of_fresh_block(96 * kMiB) < 1000);
  CHECK(faults_of_fresh_block(96 * kMiB) < 1000);  // and again after a free
  CHECK(tiersplit::reserve_heap(0) == 0);
}

TEST_CASE("heap: a reserve above what glibc keeps is refused, naming its size") {
  CHECK_THROWS_WITH_AS(tiersplit::reserve_heap(tiersplit::kMaxHeapReserveMiB + 1),
                       doctest::Contains("1985 MiB"), tiersplit::Error);
  CHECK_THROWS_WITH_AS(tiersplit::reserve_heap(-1), doctest::Contains("-1 MiB"), tiersplit::Error);
}
