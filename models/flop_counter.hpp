// flop_counter.hpp: analytic FLOP counting (2 x multiply-adds of conv, linear, attention matmuls).
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace tiersplit::models {

/// While a FlopCounter is alive on a thread, the counting helpers below add the FLOPs of every
/// convolution, linear layer and attention matmul run on that thread. Bias additions,
/// normalisations, activations and pooling are not counted (they are memory-bound, not FLOP-bound).
///
///   FlopCounter counter;
///   model->forward(torch::zeros({1, 3, 224, 224}));
///   int64_t flops = counter.flops();   // for a batch of 1
class FlopCounter {
 public:
  FlopCounter();
  ~FlopCounter();
  FlopCounter(const FlopCounter&) = delete;
  FlopCounter& operator=(const FlopCounter&) = delete;
  int64_t flops() const { return flops_; }

  static bool active();
  static void add(int64_t flops);

 private:
  int64_t flops_ = 0;
  FlopCounter* outer_;
};

/// Runs a convolution and counts 2 * out_elements * (in_channels / groups) * kh * kw.
torch::Tensor conv(torch::nn::Conv2d& layer, const torch::Tensor& x);
/// Runs a linear layer and counts 2 * out_elements * in_features.
torch::Tensor linear(torch::nn::Linear& layer, const torch::Tensor& x);
/// Batched matmul a[..., m, k] x b[..., k, n], counted as 2 * batch * m * k * n.
torch::Tensor matmul(const torch::Tensor& a, const torch::Tensor& b);
/// Counts a layer run inside a Sequential (Conv2d and Linear; other layers count 0).
void count_layer(torch::nn::Module& layer, const torch::Tensor& in, const torch::Tensor& out);

}  // namespace tiersplit::models
