// sensitivity.cpp: scanning bandwidth and storage speed factors with the closed form.
#include "optimizer/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tiersplit::optimizer {

namespace {

bool within(PointEvaluator& ev, const sim::Configuration& chosen, std::size_t t,
            const std::vector<sim::Configuration>& alts, const Scaling& sc, double tolerance) {
  const double mine = ev.estimate_one(chosen, t, sc).first;
  double best = mine;
  for (const sim::Configuration& a : alts) best = std::min(best, ev.estimate_one(a, t, sc).first);
  return mine <= best * (1.0 + tolerance);
}

}  // namespace

SensitivityRange sensitivity(PointEvaluator& ev, const sim::Configuration& chosen, std::size_t t,
                             const std::vector<sim::Choice>& alternatives, Axis axis,
                             double tolerance) {
  std::vector<sim::Configuration> alts;
  for (const sim::Choice& c : alternatives) {
    sim::Configuration a = chosen;
    a.choices[t] = c;
    if (ev.fit_memory(a, nullptr) && !(a == chosen)) alts.push_back(a);
  }
  auto scaling = [&](double f) {
    Scaling s;
    (axis == Axis::kBandwidth ? s.bandwidth_factor : s.storage_speed_factor) = f;
    return s;
  };
  auto factor = [](int k) { return std::pow(2.0, static_cast<double>(k) / 4.0); };
  SensitivityRange r;
  r.scanned_low_factor = factor(-kSensitivitySteps);
  r.scanned_high_factor = factor(kSensitivitySteps);
  r.holds_at_point = within(ev, chosen, t, alts, scaling(1.0), tolerance);
  int lo = 0, hi = 0;
  while (lo > -kSensitivitySteps && within(ev, chosen, t, alts, scaling(factor(lo - 1)), tolerance))
    --lo;
  while (hi < kSensitivitySteps && within(ev, chosen, t, alts, scaling(factor(hi + 1)), tolerance))
    ++hi;
  r.low_factor = factor(lo);
  r.high_factor = factor(hi);
  r.low_bounded = lo > -kSensitivitySteps;
  r.high_bounded = hi < kSensitivitySteps;
  const double base = axis == Axis::kBandwidth ? ev.point().platform.network.bandwidth : 1.0;
  r.low = base * r.low_factor;
  r.high = base * r.high_factor;
  return r;
}

}  // namespace tiersplit::optimizer
