// workload.cpp: group sizes from a list or a generator; the workload's totals.
#include "groups/workload.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.hpp"

namespace tiersplit::groups {

const char* to_string(HeadKind k) {
  return k == HeadKind::kLinear ? "linear" : "mlp";
}

int64_t GroupsWorkload::samples() const {
  return std::accumulate(group_sizes.begin(), group_sizes.end(), int64_t{0});
}

int64_t GroupsWorkload::max_epochs() const {
  int64_t e = 0;
  for (const auto& c : configs) e = std::max(e, c.epochs);
  return e;
}

namespace {

std::vector<double> zipf_weights(int64_t g, double a) {
  std::vector<double> w(static_cast<std::size_t>(g));
  for (int64_t k = 0; k < g; ++k) w[static_cast<std::size_t>(k)] = std::pow(k + 1.0, -a);
  return w;
}

/// The exponent whose largest Zipf weight is `share` of the total (bisection; share >= 1/g).
double exponent_for_share(int64_t g, double share) {
  double lo = 0, hi = 50;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    const std::vector<double> w = zipf_weights(g, mid);
    const double s = w[0] / std::accumulate(w.begin(), w.end(), 0.0);
    (s < share ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

/// n split by `weights` into integers >= 1 summing to n (largest remainders first).
std::vector<int64_t> apportion(int64_t n, const std::vector<double>& weights) {
  const auto g = static_cast<int64_t>(weights.size());
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  const int64_t spare = n - g;  // every group gets one first
  std::vector<int64_t> out(weights.size(), 1);
  std::vector<std::pair<double, std::size_t>> rest;
  int64_t given = 0;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    const double exact = static_cast<double>(spare) * weights[k] / total;
    const auto whole = static_cast<int64_t>(std::floor(exact));
    out[k] += whole;
    given += whole;
    rest.emplace_back(exact - static_cast<double>(whole), k);
  }
  std::stable_sort(rest.begin(), rest.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (int64_t i = 0; i < spare - given; ++i) out[rest[static_cast<std::size_t>(i)].second] += 1;
  std::sort(out.rbegin(), out.rend());
  return out;
}

}  // namespace

std::vector<int64_t> generate_group_sizes(const GroupSizeSpec& spec, const std::string& where) {
  if (!spec.sizes.empty()) return spec.sizes;
  const int64_t g = spec.groups, n = spec.samples;
  if (g < 1) fail(where, "/groups: needs at least one group, got ", g);
  if (n < g) fail(where, "/samples: ", n, " samples cannot fill ", g, " groups of at least one");
  double a = spec.zipf;
  if (spec.largest_share > 0) {
    if (spec.largest_share > 1) fail(where, "/largest_share: ", spec.largest_share, " is above 1");
    if (spec.largest_share < 1.0 / static_cast<double>(g) - 1e-12)
      fail(where, "/largest_share: ", spec.largest_share, " is below 1/", g,
           ", the share of the largest of equal groups");
    a = exponent_for_share(g, spec.largest_share);
  }
  if (a < 0) fail(where, "/zipf: exponent ", a, " must be at least 0");
  return apportion(n, zipf_weights(g, a));
}

}  // namespace tiersplit::groups
