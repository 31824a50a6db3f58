// test_policies.cpp: the reference policy's formula on a hand-computed example, and the memory
// rules.
#include <doctest/doctest.h>

#include "sim/memory_rules.hpp"
#include "optimizer/reference_policy.hpp"
#include "sim/sim_fixtures.hpp"

namespace opt = tiersplit::optimizer;
namespace sim = tiersplit::sim;

TEST_CASE("optimizer: the reference policy's epoch formula on a hand-computed example") {
  // T_S = 2 s, T_C = 3 s, T_np = 0.5 s, N = 10:
  // 2 + 9 x (max(2, 3) + 0.5) + 0.5 + 3 = 2 + 31.5 + 3.5 = 37 s.
  opt::ReferenceStages st{4, 2.0, 3.0, 0.5, true};
  CHECK(opt::reference_epoch_time(st, 10) == doctest::Approx(37.0));
  // One iteration: nothing overlaps: T_S + T_np + T_C.
  CHECK(opt::reference_epoch_time(st, 1) == doctest::Approx(5.5));
  // Storage slower: 4 + 9 x (4 + 0) + 0 + 1 = 41 s.
  CHECK(opt::reference_epoch_time({1, 4.0, 1.0, 0.0, true}, 10) == doctest::Approx(41.0));
}

TEST_CASE("optimizer: the reference policy picks the fastest split that fits compute memory") {
  std::vector<opt::ReferenceStages> splits = {
      {0, 5.0, 1.0, 0.0, true},   // 5 + 9 x 5 + 1 = 51
      {1, 2.0, 1.5, 0.0, true},   // 2 + 9 x 2 + 1.5 = 21.5
      {2, 1.0, 1.2, 0.0, false},  // fastest (1 + 9 x 1.2 + 1.2 = 13) but does not fit
      {3, 1.8, 1.0, 0.0, true},   // 1.8 + 9 x 1.8 + 1 = 19
  };
  CHECK(opt::reference_pick(splits, 10, 3) == 3);
  splits[2].compute_memory_fits = true;
  CHECK(opt::reference_pick(splits, 10, 3) == 2);
  for (auto& s : splits) s.compute_memory_fits = false;
  CHECK(opt::reference_pick(splits, 10, 3) == 3);  // none fits: the freeze index
}

TEST_CASE("optimizer: storage and compute memory rules on the toy profile") {
  auto p = simtest::toy_profile();
  // Storage, split 3, b = 16: weights 1 + 2 + 4 MB + 16 x max peak (400 KB).
  CHECK(sim::storage_memory_bytes(p, 3, 16) == doctest::Approx(7e6 + 16 * 4e5));
  CHECK(sim::storage_memory_bytes(p, 0, 64) == 0);
  // Compute, split 1, f = 3, B = 64: weights of blocks 1..3 (7 MB)
  // + 64 x (200 KB crossing + 200 KB frozen peak of blocks 1..2 + 2 x 4 KB trainable output).
  CHECK(sim::compute_memory_bytes(p, 1, 3, 64) == doctest::Approx(7e6 + 64 * 408000.0));
  // Split 3 = f: no frozen block on the compute side.
  CHECK(sim::compute_memory_bytes(p, 3, 3, 64) == doctest::Approx(1e6 + 64 * (10000.0 + 8000.0)));
}
