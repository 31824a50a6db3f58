// progress.hpp: a progress bar on stderr for long work, drawn only when stderr is a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace tiersplit {

/// Thread-safe progress bar. On a terminal it redraws at most 10 times a second with count,
/// elapsed time and ETA; elsewhere (CI logs, pipes) it stays silent.
///
///   ProgressBar bar("profile resnet50", blocks * batches);
///   for (...) { ...; bar.advance(1, "block 3/22"); }
///   bar.finish();
class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total);
  ~ProgressBar();
  void advance(int64_t n = 1, const std::string& detail = "");
  void finish();
  static bool enabled();  ///< stderr is a terminal and TIERSPLIT_NO_PROGRESS is unset

 private:
  void draw(bool final);
  std::string label_;
  std::string detail_;
  int64_t total_;
  int64_t done_ = 0;
  bool active_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::mutex mutex_;
};

}  // namespace tiersplit
