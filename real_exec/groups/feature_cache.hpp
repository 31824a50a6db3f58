// feature_cache.hpp: cached extraction — a task's features at the freeze index, kept by its
// first epoch (in memory or in files on the worker's disk) and read back by its later epochs.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace tiersplit::real_exec::groups {

/// A piece ready for the heads: features at the freeze index (flat), labels, sample ids. An
/// empty piece (undefined tensors) stands for a step with no samples on this worker.
struct Piece {
  torch::Tensor x, y, ids;
};

/// One worker's cache of extracted pieces, by (task, piece index).
class FeatureCache {
 public:
  /// `on_disk`: one file per piece in a folder of this worker's own under `dir` ("": the
  /// temporary folder), made on first use and removed with the cache.
  FeatureCache(bool on_disk, std::string dir, int rank);
  ~FeatureCache();
  FeatureCache(const FeatureCache&) = delete;
  FeatureCache& operator=(const FeatureCache&) = delete;

  void keep(int64_t task, int64_t k, const Piece& p);
  /// Piece `k` of `task` as kept; fails if it never was.
  Piece get(int64_t task, int64_t k);
  /// Forgets `task`'s pieces (its epochs are over).
  void drop(int64_t task);
  /// Bytes of features kept so far, over every task (the report's cache size).
  int64_t bytes() const { return bytes_; }

 private:
  std::string file(int64_t task, int64_t k);

  bool on_disk_;
  std::string base_, folder_;
  int rank_;
  /// Kept in memory: every piece; on disk: the empty pieces only (the others are files).
  std::map<std::pair<int64_t, int64_t>, Piece> memory_;
  int64_t bytes_ = 0;
};

}  // namespace tiersplit::real_exec::groups
