// block_metadata.hpp: static per-block facts computed without timing (shapes, bytes, FLOPs,
// memory).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/block_model.hpp"

namespace tiersplit::models {

/// Facts about one block, per sample, fp32.
struct BlockMetadata {
  int64_t index = 0;
  std::string name;
  BlockKind kind = BlockKind::kConv;
  std::vector<int64_t> output_shape;  ///< without the batch dimension
  int64_t output_bytes_per_sample = 0;
  int64_t parameters = 0;
  int64_t parameter_bytes = 0;
  int64_t flops_per_sample = 0;  ///< forward, 2 x multiply-adds
  int64_t peak_activation_bytes_per_sample =
      0;  ///< inference: input + transient peak (0 if not measured)
};

/// Facts about a whole model.
struct ModelMetadata {
  std::string model;
  ModelOptions options;
  int64_t default_freeze = 0;
  std::vector<int64_t> input_shape;
  int64_t input_bytes_per_sample = 0;
  std::vector<BlockMetadata> blocks;
  int64_t parameters() const;
  int64_t flops_per_sample() const;
};

/// Runs the model once in eval mode without gradients at batch 1 (shapes, FLOPs) and, when
/// `with_memory`, each block again at batch 2, both under a MemoryTracker: the per-sample peak is
/// the difference of the two peaks (input included), so batch-independent workspace drops out.
ModelMetadata compute_metadata(BlockModel& model, bool with_memory = true);

}  // namespace tiersplit::models
