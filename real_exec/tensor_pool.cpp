// tensor_pool.cpp: the server's pool of mapped blocks for large tensors (see tensor_pool.hpp).
#include "real_exec/tensor_pool.hpp"

#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "models/memory_tracker.hpp"

namespace tiersplit::real_exec {
namespace {

/// The pool's state; one per process, as LibTorch has one CPU allocator.
struct State {
  TensorPoolOptions options;
  c10::Allocator* base = nullptr;  // LibTorch's default: small tensors and older ones
  std::size_t page = 4096;
  mutable std::mutex mutex;
  std::multimap<std::size_t, void*> kept;       // free blocks by size
  std::unordered_map<void*, std::size_t> live;  // blocks in use and their sizes
  TensorPoolStats stats;

  int64_t mapped_bytes() const { return stats.live_bytes + stats.kept_bytes; }
  /// What counts against the limit: mapped blocks and memory held outside for work in flight.
  int64_t counted_bytes() const { return mapped_bytes() + stats.outside_bytes; }
};

State* g_state = nullptr;

void unmap_all(const std::vector<std::pair<void*, std::size_t>>& blocks) {
  for (const auto& [p, n] : blocks) munmap(p, n);
}

/// A block to serve a request with: a kept one as it is, a smaller kept one (at least half the
/// size) grown in place or moved (its resident pages are reused, only the extra is faulted in),
/// or none (map fresh pages).
struct Choice {
  void* p = nullptr;
  std::size_t size = 0;  ///< the block's size now
  bool resize = false;
};

/// Picks the block for `size` (removing it from the kept ones) and unmaps kept blocks, largest
/// first, while what would be counted exceeds the limit.
Choice choose(State& s, std::size_t size, std::vector<std::pair<void*, std::size_t>>& evicted) {
  Choice c;
  auto it = s.kept.lower_bound(size);
  const bool fits = it != s.kept.end() && static_cast<double>(it->first) <=
                                              static_cast<double>(size) * s.options.max_oversize;
  if (!fits) it = it == s.kept.begin() ? s.kept.end() : std::prev(it);  // the largest smaller
  if (!fits && it != s.kept.end() && it->first * 2 < size) it = s.kept.end();  // too small to grow
  if (it != s.kept.end()) {
    c = {it->second, it->first, !fits};
    s.kept.erase(it);
    s.stats.kept_bytes -= static_cast<int64_t>(c.size);
  }
  const int64_t grows = c.p == nullptr ? static_cast<int64_t>(size)
                                       : std::max<int64_t>(0, int64_t(size) - int64_t(c.size));
  while (!s.kept.empty() && s.counted_bytes() + int64_t(c.size) + grows > s.stats.limit_bytes) {
    auto last = std::prev(s.kept.end());
    evicted.emplace_back(last->second, last->first);
    s.stats.kept_bytes -= static_cast<int64_t>(last->first);
    ++s.stats.unmapped;
    s.kept.erase(last);
  }
  return c;
}

void* allocate_block(State& s, std::size_t n) {
  const std::size_t size = (n + s.page - 1) / s.page * s.page;
  std::vector<std::pair<void*, std::size_t>> evicted;
  std::unique_lock<std::mutex> lock(s.mutex);
  Choice c = choose(s, size, evicted);
  s.stats.live_bytes += static_cast<int64_t>(c.p && !c.resize ? c.size : size);  // reserved now
  lock.unlock();
  unmap_all(evicted);
  void* p = c.p;
  std::size_t got = c.p && !c.resize ? c.size : size;
  if (c.p && c.resize) {
    p = mremap(c.p, c.size, size, MREMAP_MAYMOVE);
  } else if (!c.p) {
    p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  }
  lock.lock();
  if (p == MAP_FAILED) {
    s.stats.live_bytes -= static_cast<int64_t>(got);
    lock.unlock();
    TORCH_CHECK(false, "tensor pool: cannot map ", size, " bytes (out of memory)");
  }
  ++(c.p ? s.stats.reused : s.stats.mapped);
  s.live.emplace(p, got);
  s.stats.peak_bytes = std::max(s.stats.peak_bytes, s.mapped_bytes());
  return p;
}

void pool_free(void* p) {
  if (p == nullptr) return;
  State& s = *g_state;
  std::unique_lock<std::mutex> lock(s.mutex);
  auto it = s.live.find(p);
  if (it == s.live.end()) {
    lock.unlock();
    s.base->raw_deleter()(p);  // a small tensor from the allocator below
    return;
  }
  const std::size_t size = it->second;
  s.live.erase(it);
  s.stats.live_bytes -= static_cast<int64_t>(size);
  if (s.counted_bytes() + static_cast<int64_t>(size) > s.stats.limit_bytes) {
    ++s.stats.unmapped;
    lock.unlock();
    munmap(p, size);
    return;
  }
  s.kept.emplace(size, p);
  s.stats.kept_bytes += static_cast<int64_t>(size);
}

class PoolAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) const override {
    State& s = *g_state;
    if (static_cast<int64_t>(n) < s.options.min_block_bytes) return s.base->allocate(n);
    void* p = allocate_block(s, n);
    return {p, p, &pool_free, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &pool_free; }
};

}  // namespace

TensorPool& TensorPool::install(const TensorPoolOptions& options) {
  static std::once_flag once;
  std::call_once(once, [&] {
    g_state = new State;  // lives as long as the tensors that point into it: to the end
    g_state->options = options;
    g_state->stats.limit_bytes = options.limit_bytes;
    g_state->page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    g_state->base = c10::GetDefaultCPUAllocator();
    static PoolAllocator allocator;
    models::use_cpu_allocator(&allocator);  // below the memory tracker, if there is one
  });
  return *installed();
}

TensorPool* TensorPool::installed() {
  static TensorPool pool;  // stateless: the state is g_state
  return g_state == nullptr ? nullptr : &pool;
}

void TensorPool::raise_limit(int64_t bytes) {
  std::lock_guard<std::mutex> lock(g_state->mutex);
  g_state->stats.limit_bytes += bytes;
}

void TensorPool::add_outside(int64_t delta) {
  std::lock_guard<std::mutex> lock(g_state->mutex);
  g_state->stats.outside_bytes += delta;
}

TensorPoolStats TensorPool::stats() const {
  std::lock_guard<std::mutex> lock(g_state->mutex);
  return g_state->stats;
}

}  // namespace tiersplit::real_exec
