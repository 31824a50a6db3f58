// stopwatch.hpp: intervals of wall-clock time on the steady clock, and the wall clock itself, in
// seconds.
#pragma once

#include <chrono>

namespace tiersplit {

using SteadyClock = std::chrono::steady_clock;

/// Seconds from `start` to now.
inline double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

/// Seconds since the Unix epoch (system clock): to line up events of several processes.
inline double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace tiersplit
