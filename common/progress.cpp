// progress.cpp: terminal progress bar.
#include "common/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace tiersplit {

bool ProgressBar::enabled() {
  return isatty(STDERR_FILENO) && std::getenv("TIERSPLIT_NO_PROGRESS") == nullptr;
}

ProgressBar::ProgressBar(std::string label, int64_t total)
    : label_(std::move(label)), total_(total > 0 ? total : 1), active_(enabled()) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
  if (active_) draw(false);
}

ProgressBar::~ProgressBar() {
  finish();
}

void ProgressBar::advance(int64_t n, const std::string& detail) {
  std::lock_guard<std::mutex> lock(mutex_);
  done_ += n;
  if (!detail.empty()) detail_ = detail;
  if (!active_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ > std::chrono::milliseconds(100) || done_ >= total_) {
    last_draw_ = now;
    draw(false);
  }
}

void ProgressBar::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (active_) draw(true);
}

void ProgressBar::draw(bool final) {
  const int width = 28;
  double frac = static_cast<double>(done_) / static_cast<double>(total_);
  if (frac > 1) frac = 1;
  int filled = static_cast<int>(frac * width);
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
  std::string bar(filled, '#');
  bar += std::string(width - filled, '.');
  std::fprintf(stderr, "\r\033[K%s [%s] %lld/%lld %.0fs", label_.c_str(), bar.c_str(),
               static_cast<long long>(done_), static_cast<long long>(total_), elapsed);
  if (!final && done_ > 0) std::fprintf(stderr, " ETA %.0fs", eta);
  if (!detail_.empty()) std::fprintf(stderr, "  %s", detail_.c_str());
  if (final) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace tiersplit
