// train_common.hpp: pieces the trainer and pretraining share — epoch plans, request splitting,
// optimisers and one training step over blocks [s, L).
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "common/epoch_plan.hpp"
#include "common/error.hpp"
#include "models/block_model.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/protocol.hpp"

namespace tiersplit::real_exec {

/// One training batch of an epoch: the samples it holds, as contiguous object ranges.
struct PlannedBatch {
  int64_t epoch = 0;
  std::vector<Segment> segments;
};

/// Cuts the samples of `objects` into batches of `batch` (the last may be smaller), as
/// tiersplit::plan_epoch does (common/epoch_plan.hpp, which the simulator follows too): with
/// `shuffle`, objects are visited in an order drawn from `seed`; samples inside an object keep
/// their stored order, which the import already shuffled. Every sample appears exactly once.
inline std::vector<std::vector<Segment>> plan_epoch(const std::vector<ObjectRef>& objects,
                                                    int64_t batch, uint64_t seed, bool shuffle) {
  std::vector<int64_t> counts;
  for (const auto& o : objects) counts.push_back(o.samples);
  std::vector<std::vector<Segment>> batches;
  for (const auto& ranges : tiersplit::plan_epoch(
           counts, batch, seed, shuffle ? ObjectOrder::kShuffled : ObjectOrder::kStored)) {
    std::vector<Segment> segs;
    for (const auto& r : ranges) segs.push_back({objects[r.object].name, r.first, r.count});
    batches.push_back(std::move(segs));
  }
  return batches;
}

inline int64_t segments_samples(const std::vector<Segment>& segs) {
  int64_t n = 0;
  for (const auto& s : segs) n += s.count;
  return n;
}

/// The first `limit` samples of `segs`.
inline std::vector<Segment> truncate_segments(const std::vector<Segment>& segs, int64_t limit) {
  std::vector<Segment> out;
  for (const auto& s : segs) {
    if (limit <= 0) break;
    Segment t = s;
    t.count = std::min(t.count, limit);
    limit -= t.count;
    out.push_back(t);
  }
  return out;
}

/// Splits a batch into at most `parts` requests of nearly equal sample counts, in order.
inline std::vector<std::vector<Segment>> split_segments(const std::vector<Segment>& segs,
                                                        int64_t parts) {
  const int64_t n = segments_samples(segs);
  parts = std::max<int64_t>(1, std::min(parts, n));
  std::vector<std::vector<Segment>> out(parts);
  std::size_t si = 0;
  int64_t used = 0;  // samples of segs[si] already handed out
  for (int64_t p = 0; p < parts; ++p) {
    int64_t want = n / parts + (p < n % parts ? 1 : 0);
    while (want > 0 && si < segs.size()) {
      int64_t take = std::min(want, segs[si].count - used);
      out[p].push_back({segs[si].object, segs[si].first + used, take});
      used += take;
      want -= take;
      if (used == segs[si].count) {
        ++si;
        used = 0;
      }
    }
  }
  return out;
}

/// The parameters of the trainable blocks [f, L): what the optimiser updates.
inline std::vector<torch::Tensor> trainable_parameters(models::BlockModel& model, int64_t f) {
  std::vector<torch::Tensor> params;
  for (int64_t i = f; i < model->size(); ++i) {
    for (auto& p : model->block(i).parameters()) params.push_back(p);
  }
  return params;
}

/// SGD with momentum or Adam over `params`.
inline std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::string& name,
                                                               std::vector<torch::Tensor> params,
                                                               double lr, double momentum) {
  if (!(lr > 0)) fail("--lr ", lr, " must be positive");
  if (name == "sgd") {
    return std::make_unique<torch::optim::SGD>(params,
                                               torch::optim::SGDOptions(lr).momentum(momentum));
  }
  if (name == "adam")
    return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(lr));
  fail("--optimizer '", name, "' is not sgd or adam");
}

/// One step: blocks [s, f) frozen (eval mode, no gradients), [f, L) trained; returns the loss.
inline double train_step(models::BlockModel& model, torch::optim::Optimizer& optimizer,
                         const torch::Tensor& x, const torch::Tensor& y, int64_t s, int64_t f) {
  const int64_t mid = std::max(s, f);
  torch::Tensor h;
  {
    torch::NoGradGuard no_grad;
    h = model->forward_range(x, s, mid);
  }
  auto logits = model->forward_range(h, mid, model->size());
  auto loss = torch::nn::functional::cross_entropy(logits, y);
  optimizer.zero_grad();
  loss.backward();
  optimizer.step();
  return loss.item<double>();
}

}  // namespace tiersplit::real_exec
