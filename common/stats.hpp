// stats.hpp: quantiles, medians and relative spreads of measured samples (timings).
#pragma once

#include <vector>

namespace tiersplit {

/// The q-quantile (0..1) of `values` with linear interpolation between order statistics
/// (numpy's default); 0 for no values.
double quantile(std::vector<double> values, double q);

/// Median, relative inter-quartile range ((q3 - q1) / median), extremes and count.
struct Spread {
  double median = 0;
  double rel_iqr = 0;
  double min = 0, max = 0;
  int count = 0;
};
Spread spread_of(const std::vector<double>& values);

}  // namespace tiersplit
