// feature_cache.cpp: cached extraction in memory or on the worker's disk (see feature_cache.hpp).
#include "real_exec/groups/feature_cache.hpp"

#include <unistd.h>

#include <filesystem>
#include <limits>
#include <vector>

#include "common/error.hpp"

namespace tiersplit::real_exec::groups {

namespace fs = std::filesystem;

FeatureCache::FeatureCache(bool on_disk, std::string dir, int rank)
    : on_disk_(on_disk), base_(std::move(dir)), rank_(rank) {}

FeatureCache::~FeatureCache() {
  std::error_code ignored;
  if (!folder_.empty()) fs::remove_all(folder_, ignored);
}

std::string FeatureCache::file(int64_t task, int64_t k) {
  if (folder_.empty()) {
    const fs::path base = base_.empty() ? fs::temp_directory_path() : fs::path(base_);
    folder_ = (base / ("tiersplit-groups-cache-" + std::to_string(getpid()) + "-w" +
                       std::to_string(rank_)))
                  .string();
    fs::create_directories(folder_);
  }
  return folder_ + "/t" + std::to_string(task) + "-" + std::to_string(k) + ".pt";
}

void FeatureCache::keep(int64_t task, int64_t k, const Piece& p) {
  if (p.x.defined()) bytes_ += p.x.numel() * static_cast<int64_t>(p.x.element_size());
  if (on_disk_ && p.x.defined()) {
    torch::save(std::vector<torch::Tensor>{p.x, p.y, p.ids}, file(task, k));
    return;
  }
  memory_[{task, k}] = p;
}

Piece FeatureCache::get(int64_t task, int64_t k) {
  if (auto it = memory_.find({task, k}); it != memory_.end()) return it->second;
  const std::string path = on_disk_ ? file(task, k) : "";
  if (!on_disk_ || !fs::exists(path))
    fail("cached piece ", k, " of task ", task, " was never kept (a bug in tiersplit)");
  std::vector<torch::Tensor> v;
  torch::load(v, path);
  return {v.at(0), v.at(1), v.at(2)};
}

void FeatureCache::drop(int64_t task) {
  for (auto it = memory_.lower_bound({task, std::numeric_limits<int64_t>::min()});
       it != memory_.end() && it->first.first == task;)
    it = memory_.erase(it);
  if (!on_disk_ || folder_.empty()) return;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(folder_, ignored))
    if (entry.path().filename().string().rfind("t" + std::to_string(task) + "-", 0) == 0)
      fs::remove(entry.path(), ignored);
}

}  // namespace tiersplit::real_exec::groups
