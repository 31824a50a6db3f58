// block_metadata.cpp: shapes, bytes, parameters, FLOPs and peak inference memory of every block.
#include "models/block_metadata.hpp"

#include <algorithm>

#include "models/flop_counter.hpp"
#include "models/memory_tracker.hpp"

namespace tiersplit::models {

int64_t ModelMetadata::parameters() const {
  int64_t n = 0;
  for (const auto& b : blocks) n += b.parameters;
  return n;
}

int64_t ModelMetadata::flops_per_sample() const {
  int64_t n = 0;
  for (const auto& b : blocks) n += b.flops_per_sample;
  return n;
}

namespace {

int64_t bytes_per_sample(const torch::Tensor& t) {
  return t.numel() / t.size(0) * static_cast<int64_t>(t.element_size());
}

}  // namespace

namespace {

ModelMetadata compute(BlockModel& model, bool with_memory, torch::Device device) {
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();

  ModelMetadata meta;
  meta.model = model->name();
  meta.options = model->options();
  meta.default_freeze = model->default_freeze();
  meta.input_shape = model->sample_shape();
  std::vector<int64_t> shape1{1};
  shape1.insert(shape1.end(), meta.input_shape.begin(), meta.input_shape.end());
  torch::Tensor x = torch::zeros(shape1, torch::TensorOptions().device(device));
  meta.input_bytes_per_sample = bytes_per_sample(x);

  for (int64_t i = 0; i < model->size(); ++i) {
    BlockMetadata b;
    b.index = i;
    b.name = model->block_name(i);
    b.kind = model->block_kind(i);
    b.parameters = model->block_parameter_count(i);
    b.parameter_bytes = b.parameters * static_cast<int64_t>(sizeof(float));

    // Batch 1 gives the output shape and FLOPs (and the first memory peak); batch 2 the second
    // memory peak. The per-sample peak is their difference.
    torch::Tensor y;
    int64_t peak1 = 0;
    {
      FlopCounter counter;
      MemoryTracker tracker;
      y = model->block(i).forward(x);
      peak1 = x.numel() * static_cast<int64_t>(x.element_size()) + tracker.peak_bytes();
      b.flops_per_sample = counter.flops();
    }
    if (with_memory) {
      std::vector<int64_t> sizes = x.sizes().vec();
      sizes[0] = 2;
      torch::Tensor x2 = x.expand(sizes).contiguous();
      int64_t in2 = x2.numel() * static_cast<int64_t>(x2.element_size());
      MemoryTracker tracker;
      torch::Tensor y2 = model->block(i).forward(x2);
      int64_t peak2 = in2 + tracker.peak_bytes();
      b.peak_activation_bytes_per_sample = std::max<int64_t>(0, peak2 - peak1);
    }
    b.output_shape.assign(y.sizes().begin() + 1, y.sizes().end());
    b.output_bytes_per_sample = bytes_per_sample(y);
    meta.blocks.push_back(std::move(b));
    x = y;
  }
  model->train(was_training);
  return meta;
}

}  // namespace

ModelMetadata compute_metadata(BlockModel& model, bool with_memory) {
  return compute(model, with_memory, torch::kCPU);
}

}  // namespace tiersplit::models
