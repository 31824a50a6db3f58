// profiler.hpp: measures a per-block profile of a zoo model with LibTorch on this machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "profiles/profile.hpp"

namespace tiersplit::profiles {

/// What to measure. Defaults give the profiles shipped in profiles/data/.
struct ProfileRequest {
  std::string model;         ///< zoo name, e.g. "resnet50"
  int64_t resolution = 224;  ///< input side [px]
  int64_t num_classes = 1000;
  std::vector<int64_t> batch_sizes{1, 2, 4, 8, 16, 32};
  int threads = 1;            ///< LibTorch intra-op threads
  int64_t freeze_index = -1;  ///< -1: the model's default
  bool measure_train = true;  ///< forward+backward of blocks >= freeze
  MeasureSettings settings;
  bool progress = true;  ///< progress bar on a terminal
};

/// Checks the request (model, resolution, batch sizes, freeze index, threads) and throws
/// tiersplit::Error naming the bad value.
void validate_request(const ProfileRequest& request);

/// Measures every block: eval/no-grad forward at each batch size (warm-up, then repeats until
/// the relative IQR is below settings.target_spread, or max_repeats / max_seconds_per_point),
/// forward+backward of trainable blocks, static metadata, device description, and fits
/// t(b) = alpha + beta b per block.
Profile measure_profile(const ProfileRequest& request);

}  // namespace tiersplit::profiles
