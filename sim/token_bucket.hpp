// token_bucket.hpp: a shaper's token bucket (tc tbf): what it lets through at once after idle.
#pragma once

#include <algorithm>

namespace tiersplit::sim {

/// A rate shaper's bucket of `depth` bytes, refilled at `rate` B/s while the link idles. A message
/// that starts on an idle link passes its first `tokens` bytes at once (at the speed of the wire
/// behind the shaper); the rest goes at `rate`. Shapers like tc tbf need a bucket of at least one
/// timer tick of data, so on a shaped link a message sent after a pause is faster than one sent
/// right behind another. The bucket is in the caller's units (payload bytes at the link's
/// effective rate in the simulator). Depth 0 (the default) is a fluid link: nothing at once.
class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(double depth_bytes, double rate_bytes_per_s)
      : depth_(std::max(0.0, depth_bytes)),
        rate_(std::max(0.0, rate_bytes_per_s)),
        tokens_(depth_) {}

  double depth() const { return depth_; }

  /// A message of `bytes` whose data starts at `start` [s]. `link_idle_since` [s]: when the last
  /// earlier message left the link (tokens refill from then); `link_busy`: another message is
  /// still on the link (the shaper holds it to `rate`, so nothing refills). Returns the bytes
  /// that pass at once (at most `bytes`), taken out of the bucket.
  double take(double start, double bytes, double link_idle_since, bool link_busy) {
    if (depth_ <= 0 || bytes <= 0) return 0;
    if (!link_busy) {
      const double from = std::max(accounted_until_, link_idle_since);
      if (start > from) tokens_ = std::min(depth_, tokens_ + (start - from) * rate_);
      accounted_until_ = std::max(accounted_until_, start);
    }
    const double used = std::min(tokens_, bytes);
    tokens_ -= used;
    return used;
  }

 private:
  double depth_ = 0;            ///< bucket size [B]
  double rate_ = 0;             ///< refill rate [B/s]
  double tokens_ = 0;           ///< bytes it would let through now [B]
  double accounted_until_ = 0;  ///< refills are counted up to this time [s]
};

}  // namespace tiersplit::sim
