// pacer.cpp: Pacer (virtual finishing times on one shared link).
#include "real_exec/pacer.hpp"

#include <algorithm>
#include <thread>

#include "common/error.hpp"

namespace tiersplit::real_exec {

Pacer::Pacer(double bytes_per_second, std::chrono::microseconds delay, int64_t burst_bytes)
    : rate_(bytes_per_second), delay_(delay), burst_(static_cast<double>(burst_bytes)) {
  if (!(bytes_per_second >= 0)) fail("pacer bandwidth must not be negative");
  next_free_ = Clock::now();
}

void Pacer::wait_for_send(int64_t bytes) {
  if (rate_ == 0) return;  // delay only
  Clock::time_point send_at;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto now = Clock::now();
    // An idle link accumulates at most `burst_` bytes of credit.
    auto credit =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(burst_ / rate_));
    next_free_ = std::max(next_free_, now - credit);
    next_free_ +=
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(bytes / rate_));
    send_at = next_free_ - credit;
  }
  std::this_thread::sleep_until(send_at);
}

}  // namespace tiersplit::real_exec
