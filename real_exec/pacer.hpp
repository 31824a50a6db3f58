// pacer.hpp: a token-bucket pacer for a server's sends (the testbed's fallback link shaper).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace tiersplit::real_exec {

/// Shapes all sends that go through it to `bytes_per_second` (shared by all connections, like
/// one link; 0: no rate limit), with a burst of `burst_bytes`; `delay` is added once per
/// response (one-way latency). Thread-safe.
class Pacer {
 public:
  Pacer(double bytes_per_second, std::chrono::microseconds delay, int64_t burst_bytes = 64 * 1024);
  /// Blocks until `bytes` may be sent.
  void wait_for_send(int64_t bytes);
  std::chrono::microseconds delay() const { return delay_; }
  double rate() const { return rate_; }

 private:
  using Clock = std::chrono::steady_clock;
  double rate_;
  std::chrono::microseconds delay_;
  double burst_;
  std::mutex mutex_;
  Clock::time_point next_free_;  // the link is busy until then (virtual finishing time)
};

}  // namespace tiersplit::real_exec
