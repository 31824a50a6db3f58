// stats.cpp: quantiles and spreads.
#include "common/stats.hpp"

#include <algorithm>
#include <cmath>

namespace tiersplit {

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

Spread spread_of(const std::vector<double>& values) {
  Spread s;
  if (values.empty()) return s;
  s.count = static_cast<int>(values.size());
  s.median = quantile(values, 0.5);
  s.rel_iqr = s.median > 0 ? (quantile(values, 0.75) - quantile(values, 0.25)) / s.median : 0;
  s.min = *std::min_element(values.begin(), values.end());
  s.max = *std::max_element(values.begin(), values.end());
  return s;
}

}  // namespace tiersplit
