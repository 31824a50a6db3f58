// test_tensor_pool.cpp: the server's tensor pool — large tensors come from mapped blocks that are
// kept and reused (resized when needed) up to the limit and unmapped beyond it; small tensors and
// tensors from before the pool are left to LibTorch's allocator; the memory tracker still sees
// everything.
// clang-format off
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest (glog's CHECK macros)
// clang-format on

#include "models/memory_tracker.hpp"
#include "real_exec/tensor_pool.hpp"

using namespace tiersplit;
using namespace tiersplit::real_exec;

namespace {
constexpr int64_t kMiB = int64_t{1} << 20;

/// A float tensor of `mib` MiB, every element `value`.
torch::Tensor filled(int64_t mib, float value) {
  return torch::full({mib * kMiB / 4}, value);
}

/// Whether a block of `bytes` holds `mib` MiB: the tracker's header adds at most a page.
bool holds(int64_t bytes, int64_t mib) {
  return bytes >= mib * kMiB && bytes <= mib * kMiB + 64 * 1024;
}
}  // namespace

TEST_CASE("tensor pool: large tensors are kept and reused up to the limit, unmapped beyond it") {
  // The pool is per process: its limit is this test's only when the test runs alone, as ctest
  // runs every test case.
  static const bool alone = TensorPool::installed() == nullptr;
  if (!alone) {
    MESSAGE(
        "the tensor pool was installed by an earlier test in this process: run this test alone");
    return;
  }
  static torch::Tensor before = filled(4, 1.0f);  // first pass: from LibTorch's allocator
  models::MemoryTracker tracker;
  TensorPoolOptions o;
  o.min_block_bytes = kMiB;
  o.limit_bytes = 10 * kMiB;
  TensorPool& pool = TensorPool::install(o);
  CHECK(TensorPool::installed() == &pool);
  const TensorPoolStats s0 = pool.stats();  // subcases run in one process: counts accumulate
  const int64_t limit = s0.limit_bytes;

  SUBCASE("a freed block serves the next tensor of its size, with the same pages") {
    torch::Tensor a = filled(4, 2.0f);
    CHECK(holds(pool.stats().live_bytes - s0.live_bytes, 4));
    const void* where = a.data_ptr();
    a = torch::Tensor();
    CHECK(pool.stats().live_bytes == s0.live_bytes);
    CHECK(pool.stats().kept_bytes >= 4 * kMiB);
    torch::Tensor b = filled(4, 3.0f);
    CHECK(b.data_ptr() == where);
    CHECK(pool.stats().reused == s0.reused + 1);
    CHECK(b.sum().item<float>() == doctest::Approx(3.0 * kMiB));
    CHECK(tracker.peak_bytes() >= 4 * kMiB);  // the tracker sits above the pool
  }
  SUBCASE("small tensors stay with LibTorch's allocator") {
    torch::Tensor small = torch::ones({1000});
    CHECK(pool.stats().live_bytes == s0.live_bytes);
    CHECK(pool.stats().mapped == s0.mapped);
    CHECK(pool.stats().reused == s0.reused);
    CHECK(small.sum().item<float>() == 1000.0f);
  }
  SUBCASE("live + kept never exceed the limit when tensors come and go") {
    for (int round = 0; round < 5; ++round) {
      torch::Tensor x = filled(2, 1.0f), y = filled(2, 1.0f);  // 4 MiB live
      torch::Tensor z = filled(1 + round % 3, 1.0f);           // 1..3 MiB
      CHECK(pool.stats().live_bytes + pool.stats().kept_bytes <= limit);
    }
    CHECK(pool.stats().peak_bytes <= limit);
    // Sizes changed from round to round; a kept block serves a tensor up to 4 times smaller or
    // (grown) up to twice larger, so beyond round 0's three tensors few map fresh pages.
    CHECK(pool.stats().mapped - s0.mapped <= 4);
    CHECK(pool.stats().reused - s0.reused >= 11);
  }
  SUBCASE("live tensors above the limit are still served; freeing them gives pages back") {
    std::vector<torch::Tensor> many;
    for (int i = 0; i < 4; ++i) many.push_back(filled(4, 1.0f));  // 16 MiB > 10 MiB
    CHECK(holds(pool.stats().live_bytes - s0.live_bytes, 16));
    many.clear();
    CHECK(pool.stats().kept_bytes <= limit);
    CHECK(pool.stats().unmapped >= s0.unmapped + 2);  // 16 MiB freed, at most 10 kept
    pool.raise_limit(8 * kMiB);
    CHECK(pool.stats().limit_bytes == limit + 8 * kMiB);
  }
  SUBCASE("a tensor from before the pool is freed through LibTorch's allocator") {
    const TensorPoolStats s1 = pool.stats();
    before = torch::Tensor();
    CHECK(pool.stats().live_bytes == s1.live_bytes);
    CHECK(pool.stats().kept_bytes == s1.kept_bytes);
  }
}
