// extrapolation.hpp: how far off the time model is beyond the largest measured batch — a profile
// cut to its small batches predicts its large ones, which were measured.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "profiles/profile.hpp"

namespace tiersplit::profiles {

/// One predicted batch: the time model fitted on the batches up to the cut, against the measured.
struct ExtrapolationPoint {
  int64_t batch = 0;
  double ratio = 0;  ///< batch / largest batch kept
  double forward_measured_s = 0, forward_predicted_s = 0;  ///< every block's forward, summed
  double train_measured_s = 0, train_predicted_s = 0;      ///< trainable blocks' forward+backward
  double forward_error() const { return forward_predicted_s / forward_measured_s - 1; }
  double train_error() const {
    return train_measured_s > 0 ? train_predicted_s / train_measured_s - 1 : 0;
  }
};

struct ExtrapolationCheck {
  std::string model;
  int64_t resolution = 0;
  int64_t fit_up_to = 0;  ///< largest batch kept
  std::vector<ExtrapolationPoint> points;  ///< every measured batch above it
};

/// Keeps the batches of `p` up to `fit_up_to` and predicts each larger measured batch with
/// interpolate_time (what the simulator does beyond a profile's range). Fails when the profile
/// has no measured batch above `fit_up_to`, or none at or below it.
ExtrapolationCheck check_extrapolation(const Profile& p, int64_t fit_up_to);

}  // namespace tiersplit::profiles
