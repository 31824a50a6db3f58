// heads.hpp: a TL head of learning over groups (linear, or an MLP with one hidden layer) trained
// with plain SGD on features, with its gradient as one flat tensor so that workers sharing a group
// can sum it through Gloo before every update.
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "real_exec/groups/run_spec.hpp"

namespace tiersplit::real_exec::groups {

class Head {
 public:
  /// Weights drawn from `seed`: every worker holding the same (group, configuration) starts from
  /// the same head.
  Head(const HeadConfig& config, int64_t in_features, int64_t classes, uint64_t seed);

  /// Adds the gradient of the summed cross-entropy over (x, y) to the head's gradient.
  void accumulate(const torch::Tensor& x, const torch::Tensor& y);
  /// The gradient so far, flat (zeros before any accumulate).
  torch::Tensor flat_gradient() const;
  /// One SGD step with `summed` / `count` (+ weight decay) as the gradient; clears the gradient.
  void update(const torch::Tensor& summed, int64_t count);
  /// Samples of (x, y) it classifies right.
  int64_t correct(const torch::Tensor& x, const torch::Tensor& y);
  /// Every weight, flat (tests compare heads trained in different ways).
  torch::Tensor flat_weights() const;
  /// Puts back weights flat_weights() gave (a resumed run); fails when the size differs.
  void set_flat_weights(const torch::Tensor& flat);
  int64_t parameters() const;
  const HeadConfig& config() const { return config_; }
  bool full_batch() const { return config_.kind == tiersplit::groups::HeadKind::kLinear; }

 private:
  HeadConfig config_;
  torch::nn::Sequential net_{nullptr};
};

/// A seed for (run seed, group, configuration).
uint64_t head_seed(uint64_t seed, int64_t group, int64_t config);

}  // namespace tiersplit::real_exec::groups
