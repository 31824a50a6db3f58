// derive.hpp: a profile for a device that is not here, scaled from a measured one by a roofline.
#pragma once

#include "profiles/device.hpp"
#include "profiles/profile.hpp"

namespace tiersplit::profiles {

/// Scales every measured block time by the ratio of the block's roofline time on `target`
/// to its roofline time on the measured device (whose peak FLOP/s and memory bandwidth the
/// profiler measured), then adds the target's per-block overhead and refits t(b).
/// roofline(block, b) = max(flops * b / (peak_flops * efficiency),
///                          (parameter_bytes + b * (input + output bytes)) / (memory_bandwidth *
///                          efficiency))
/// Approximate by construction: see docs/profile-format.md, "Derived profiles".
Profile derive_profile(const Profile& measured, const Device& target);

/// The shipped measured profile of `model` at `resolution` (profiles/data/<model>-r<res>.json),
/// or fails naming what is shipped.
std::string shipped_profile_path(const std::string& model, int64_t resolution);
/// Same, but "" when there is none.
std::string find_shipped_profile(const std::string& model, int64_t resolution);

}  // namespace tiersplit::profiles
