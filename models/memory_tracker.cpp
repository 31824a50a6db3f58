// memory_tracker.cpp: a c10 CPU allocator that wraps the default one and counts live/peak bytes.
#include "models/memory_tracker.hpp"

#include <c10/core/CPUAllocator.h>

#include <atomic>
#include <mutex>

namespace tiersplit::models {
namespace {

std::atomic<int64_t> g_live{0};
std::atomic<int64_t> g_peak{0};
std::atomic<c10::Allocator*> g_base{nullptr};  // the allocator below the tracker
std::mutex g_install_mutex;
bool g_installed = false;

// Each allocation carries its size in a header in front of the data. LibTorch requires the
// context of a CPU DataPtr to equal its data pointer (raw_allocate asserts it), so the size
// cannot live in a separate context object. 64 bytes keep the data 64-byte aligned.
constexpr std::size_t kHeader = 64;

void tracked_free(void* data) {
  if (data == nullptr) return;
  void* raw = static_cast<char*>(data) - kHeader;
  g_live.fetch_sub(*static_cast<int64_t*>(raw), std::memory_order_relaxed);
  g_base.load()->raw_deallocate(raw);
}

class TrackingAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) const override {
    void* raw = g_base.load()->raw_allocate(n + kHeader);
    *static_cast<int64_t*>(raw) = static_cast<int64_t>(n);
    void* data = static_cast<char*>(raw) + kHeader;
    int64_t live = g_live.fetch_add(static_cast<int64_t>(n), std::memory_order_relaxed) +
                   static_cast<int64_t>(n);
    int64_t peak = g_peak.load(std::memory_order_relaxed);
    while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {
    }
    return {data, data, &tracked_free, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &tracked_free; }
};

void install_once() {
  std::lock_guard<std::mutex> lock(g_install_mutex);
  if (g_installed) return;
  if (g_base.load() == nullptr) g_base = c10::GetDefaultCPUAllocator();
  static TrackingAllocator tracker;
  c10::SetCPUAllocator(&tracker, /*priority=*/100);
  g_installed = true;
}

}  // namespace

void use_cpu_allocator(c10::Allocator* allocator) {
  std::lock_guard<std::mutex> lock(g_install_mutex);
  g_base = allocator;
  if (!g_installed) c10::SetCPUAllocator(allocator, /*priority=*/100);
}

MemoryTracker::MemoryTracker() {
  install_once();
  start_ = g_live.load();
  g_peak.store(start_);
}

int64_t MemoryTracker::peak_bytes() const {
  return g_peak.load() - start_;
}

int64_t MemoryTracker::live_bytes() {
  return g_live.load();
}

}  // namespace tiersplit::models
