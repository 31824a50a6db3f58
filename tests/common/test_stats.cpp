// test_stats.cpp: quantiles and spreads of measured samples.
#include <doctest/doctest.h>

#include "common/stats.hpp"

using namespace tiersplit;

TEST_CASE("stats: quantiles interpolate between order statistics, spreads are relative") {
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

TEST_CASE("stats: a non-increasing fit pools the violators and keeps what already complies") {
  CHECK(non_increasing_fit({}).empty());
  CHECK(non_increasing_fit({5, 4, 4, 1}) == std::vector<double>{5, 4, 4, 1});
  // One noisy high value at s = 2 is averaged with its predecessors, not spread over them.
  const std::vector<double> fit = non_increasing_fit({172, 164, 248, 126, 98});
  REQUIRE(fit.size() == 5);
  CHECK(fit[0] == doctest::Approx((172.0 + 164 + 248) / 3));
  CHECK(fit[1] == fit[0]);
  CHECK(fit[2] == fit[0]);
  CHECK(fit[3] == 126);
  CHECK(fit[4] == 98);
  for (std::size_t i = 1; i < fit.size(); ++i) CHECK(fit[i] <= fit[i - 1]);
  // The fit keeps the sum (it is a least-squares projection onto a cone containing constants).
  CHECK(non_increasing_fit({1, 2, 3})[0] == doctest::Approx(2));
}
