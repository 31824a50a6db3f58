// block.cpp: block kinds and the Sequential-backed block.
#include "models/block.hpp"

#include "models/flop_counter.hpp"

namespace tiersplit::models {

const char* block_kind_name(BlockKind k) {
  switch (k) {
    case BlockKind::kStem:
      return "stem";
    case BlockKind::kConv:
      return "conv";
    case BlockKind::kPool:
      return "pool";
    case BlockKind::kResidual:
      return "residual";
    case BlockKind::kInvertedResidual:
      return "inverted_residual";
    case BlockKind::kDense:
      return "dense";
    case BlockKind::kTransition:
      return "transition";
    case BlockKind::kNorm:
      return "norm";
    case BlockKind::kEmbedding:
      return "embedding";
    case BlockKind::kTransformer:
      return "transformer";
    case BlockKind::kClassifier:
      return "classifier";
  }
  return "block";
}

SequentialBlockImpl::SequentialBlockImpl(torch::nn::Sequential seq)
    : seq_(register_module("seq", std::move(seq))) {}

torch::Tensor SequentialBlockImpl::forward(torch::Tensor x) {
  if (!FlopCounter::active()) return seq_->forward(x);
  for (auto& layer : *seq_) {
    torch::Tensor y = layer.forward(x);
    count_layer(*layer.ptr(), x, y);
    x = y;
  }
  return x;
}

}  // namespace tiersplit::models
