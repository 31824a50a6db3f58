// block_model.hpp: a model as an ordered list of named blocks; split s runs blocks [0,s) then
// [s,L).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/block.hpp"

namespace tiersplit::models {

/// Options every zoo model takes.
struct ModelOptions {
  int64_t num_classes = 1000;  ///< classes of the final classifier
  int64_t resolution = 224;    ///< input is [N, 3, resolution, resolution]
};

/// A model cut into blocks. Built with a small fluent builder:
///
///   auto m = BlockModel("resnet18", opts);
///   m->add("stem", BlockKind::kStem, stem).add("maxpool", BlockKind::kPool, pool) ...;
///   m->set_default_freeze(9);
///   torch::Tensor mid = m->forward_range(x, 0, s);     // storage side
///   torch::Tensor out = m->forward_range(mid, s, m->size());  // compute side
class BlockModelImpl : public torch::nn::Module {
 public:
  BlockModelImpl(std::string name, ModelOptions options);

  /// Appends a block; names must be unique within the model.
  BlockModelImpl& add(const std::string& block_name, BlockKind kind,
                      std::shared_ptr<BlockImpl> block);
  BlockModelImpl& set_default_freeze(int64_t freeze_index);

  const std::string& name() const { return name_; }
  const ModelOptions& options() const { return options_; }
  int64_t size() const { return static_cast<int64_t>(blocks_.size()); }
  int64_t default_freeze() const { return default_freeze_; }
  const std::string& block_name(int64_t i) const { return names_.at(i); }
  BlockKind block_kind(int64_t i) const { return kinds_.at(i); }
  BlockImpl& block(int64_t i) { return *blocks_.at(i); }
  std::shared_ptr<BlockImpl> block_ptr(int64_t i) { return blocks_.at(i); }

  /// Input shape of one sample: {3, resolution, resolution}.
  std::vector<int64_t> sample_shape() const;

  /// Runs blocks [begin, end); begin == end returns x unchanged.
  torch::Tensor forward_range(torch::Tensor x, int64_t begin, int64_t end);
  torch::Tensor forward(torch::Tensor x) { return forward_range(std::move(x), 0, size()); }

  /// Parameters of block i / of the whole model (element counts).
  int64_t block_parameter_count(int64_t i);
  int64_t parameter_count();

  /// Freezes blocks [0, freeze) (requires_grad false, eval mode) and unfreezes the rest.
  void apply_freeze(int64_t freeze_index);

 private:
  std::string name_;
  ModelOptions options_;
  int64_t default_freeze_ = 0;
  std::vector<std::shared_ptr<BlockImpl>> blocks_;
  std::vector<std::string> names_;
  std::vector<BlockKind> kinds_;
};
TORCH_MODULE(BlockModel);

}  // namespace tiersplit::models
