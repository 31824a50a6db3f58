// test_stats.cpp: quantiles and spreads of measured samples.
#include <doctest/doctest.h>

#include "common/stats.hpp"

using namespace tiersplit;

TEST_CASE("stats: quantiles interpolate between order statistics; spreads are relative") {
  CHECK(quantile({}, 0.5) == 0.0);
  CHECK(quantile({7}, 0.9) == 7.0);
  CHECK(quantile({4, 1, 3, 2}, 0.5) == doctest::Approx(2.5));
  CHECK(quantile({4, 1, 3, 2}, 0.25) == doctest::Approx(1.75));
  CHECK(quantile({4, 1, 3, 2}, 1.0) == 4.0);
  Spread s = spread_of({4, 1, 3, 2, 5});
  CHECK(s.median == doctest::Approx(3));
  CHECK(s.rel_iqr == doctest::Approx((4.0 - 2.0) / 3.0));
  CHECK(s.min == 1);
  CHECK(s.max == 5);
  CHECK(s.count == 5);
  CHECK(spread_of({}).count == 0);
}
