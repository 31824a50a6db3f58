// block.hpp: one block of a model — exactly one tensor in, one tensor out, so every boundary is a
// split.
#pragma once

#include <torch/torch.h>

#include <string>

namespace tiersplit::models {

/// What a block is, for listings and for device models (pools and norms are memory-bound).
enum class BlockKind {
  kStem,              ///< first convolution(s) of a CNN
  kConv,              ///< convolution (+ activation) of a plain CNN
  kPool,              ///< max / average / adaptive pooling (+ flatten)
  kResidual,          ///< ResNet basic or bottleneck block, kept whole
  kInvertedResidual,  ///< MobileNetV2 block, kept whole
  kDense,             ///< DenseNet dense block, kept whole
  kTransition,        ///< DenseNet transition
  kNorm,              ///< normalisation (+ activation / token select)
  kEmbedding,         ///< ViT patch embedding + class token + position embedding
  kTransformer,       ///< transformer encoder block, kept whole
  kClassifier,        ///< fully connected layer(s) of the head
};

const char* block_kind_name(BlockKind k);

/// Base of every block. Subclasses register their layers as submodules and call the counting
/// helpers of flop_counter.hpp for every convolution, linear layer and attention matmul.
class BlockImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor x) = 0;
};

/// A block made of a torch::nn::Sequential (stems, pools, plain conv layers, classifier layers).
class SequentialBlockImpl : public BlockImpl {
 public:
  explicit SequentialBlockImpl(torch::nn::Sequential seq);
  torch::Tensor forward(torch::Tensor x) override;

 private:
  torch::nn::Sequential seq_;
};

/// Convenience: wrap layers into a SequentialBlock, e.g. sequential_block(Conv2d(...), ReLU()).
template <typename... Layers>
std::shared_ptr<BlockImpl> sequential_block(Layers&&... layers) {
  return std::make_shared<SequentialBlockImpl>(
      torch::nn::Sequential(std::forward<Layers>(layers)...));
}

/// Flattens [N, ...] into [N, prod(...)]; a layer so it fits in a Sequential.
class FlattenImpl : public torch::nn::Module {
 public:
  torch::Tensor forward(torch::Tensor x) { return x.flatten(1); }
};
TORCH_MODULE(Flatten);

}  // namespace tiersplit::models
