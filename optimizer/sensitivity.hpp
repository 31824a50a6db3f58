// sensitivity.hpp: how far network bandwidth or storage speed may move before the choice stops
// being within tolerance.
#pragma once

#include <cstddef>
#include <vector>

#include "optimizer/evaluator.hpp"
#include "optimizer/recommendation.hpp"

namespace tiersplit::optimizer {

/// Factors scanned: 2^(k/4) for k = -kSensitivitySteps..kSensitivitySteps (1/16x .. 16x).
inline constexpr int kSensitivitySteps = 16;

enum class Axis { kBandwidth, kStorageSpeed };

/// For tenant t: the contiguous range of factors around 1 where its chosen (s, b) in `chosen`
/// (closed form, others as chosen) stays within `tolerance` of the best of its alternatives
/// (`alternatives`, memory-adapted beside the others). Closed form only.
SensitivityRange sensitivity(PointEvaluator& ev, const sim::Configuration& chosen, std::size_t t,
                             const std::vector<sim::Choice>& alternatives, Axis axis,
                             double tolerance);

}  // namespace tiersplit::optimizer
