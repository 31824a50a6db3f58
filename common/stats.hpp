// stats.hpp: quantiles, medians, relative spreads and monotone fits of measured samples (timings).
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

/// The non-increasing sequence closest to `values` in least squares (isotonic regression by
/// pooling adjacent violators): where measurements that must not increase do, the offending
/// neighbours are replaced by their mean, instead of letting one noisy value raise all before it
/// (as a running maximum would).
std::vector<double> non_increasing_fit(const std::vector<double>& values);

}  // namespace tiersplit
