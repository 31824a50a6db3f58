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

std::vector<double> non_increasing_fit(const std::vector<double>& values) {
  struct Pool {
    double sum;
    int count;
    double mean() const { return sum / count; }
  };
  std::vector<Pool> pools;
  for (double x : values) {
    pools.push_back({x, 1});
    while (pools.size() > 1 && pools[pools.size() - 2].mean() < pools.back().mean()) {
      pools[pools.size() - 2].sum += pools.back().sum;
      pools[pools.size() - 2].count += pools.back().count;
      pools.pop_back();
    }
  }
  std::vector<double> out;
  for (const Pool& p : pools) out.insert(out.end(), static_cast<std::size_t>(p.count), p.mean());
  return out;
}

}  // namespace tiersplit
