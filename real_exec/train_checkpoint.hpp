// train_checkpoint.hpp: the trainer's checkpoint — trainable weights, optimiser state, random
// state and the run so far — written after completed iterations and read back by --resume.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/block_model.hpp"

namespace tiersplit::real_exec {

/// Where a run stands after `next_iteration` completed iterations.
struct TrainProgress {
  nlohmann::json job;          ///< what must match to resume (model, split, seed, batch, ...)
  int64_t next_iteration = 0;  ///< iterations completed
  nlohmann::json iterations;   ///< their per-iteration records
  std::vector<std::vector<int64_t>> seen;  ///< sample ids received per epoch
};

/// Writes `file` atomically (a temporary, then rename): the trainable parameters of blocks
/// [f, L), the optimiser's state, LibTorch's CPU random state and `progress`.
void save_checkpoint(const std::string& file, models::BlockModel& model, int64_t freeze,
                     torch::optim::Optimizer& optimizer, const TrainProgress& progress);

/// Reads `file` into `model`, `optimizer` and the random state and returns the progress. Fails
/// with one line naming the file when it is unreadable or was written for another job (its
/// "job" differs from `job`, the differing key named).
TrainProgress load_checkpoint(const std::string& file, models::BlockModel& model, int64_t freeze,
                              torch::optim::Optimizer& optimizer, const nlohmann::json& job);

}  // namespace tiersplit::real_exec
