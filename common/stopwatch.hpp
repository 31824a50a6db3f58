// stopwatch.hpp: intervals of wall-clock time on the steady clock, and the wall clock itself, in
// seconds.
#pragma once

#include <chrono>
#include <ctime>

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

/// CPU seconds the calling thread has run so far: beside a wall-clock interval, how much of it
/// the thread had a core (the rest, others ran on it: preemption).
inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace tiersplit
