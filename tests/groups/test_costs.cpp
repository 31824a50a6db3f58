// test_costs.cpp: what a piece's pushdown costs in object reads.
#include <doctest/doctest.h>

#include "groups/costs.hpp"

TEST_CASE("a pushdown reads the whole objects its samples touch") {
  tiersplit::groups::GroupsCosts c;
  c.request_overhead_s = 0.01;
  c.samples_per_object = 64;
  CHECK(c.requests_s(0) == 0);
  CHECK(c.requests_s(1) == doctest::Approx(0.01));  // one sample: one object
  // One object's worth starting anywhere: 1 + 63/64 objects on average (mostly two).
  CHECK(c.requests_s(64) == doctest::Approx(0.01 * (1 + 63.0 / 64)));
  CHECK(c.requests_s(129) == doctest::Approx(0.03));  // 1 + 128/64
  c.samples_per_object = 1;                           // one sample per object: one read per sample
  CHECK(c.requests_s(10) == doctest::Approx(0.1));
}
