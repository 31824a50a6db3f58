// flop_counter.cpp: thread-local FLOP accounting used by blocks' forward passes.
#include "models/flop_counter.hpp"

namespace tiersplit::models {
namespace {
thread_local FlopCounter* current = nullptr;

int64_t conv_flops(const torch::nn::Conv2dImpl& c, const torch::Tensor& out) {
  const auto& o = c.options;
  int64_t k = (*o.kernel_size())[0] * (*o.kernel_size())[1];
  return 2 * out.numel() * (o.in_channels() / o.groups()) * k;
}
int64_t linear_flops(const torch::nn::LinearImpl& l, const torch::Tensor& out) {
  return 2 * out.numel() * l.options.in_features();
}
}  // namespace

FlopCounter::FlopCounter() : outer_(current) {
  current = this;
}
FlopCounter::~FlopCounter() {
  current = outer_;
}
bool FlopCounter::active() {
  return current != nullptr;
}
void FlopCounter::add(int64_t flops) {
  if (current) current->flops_ += flops;
}

torch::Tensor conv(torch::nn::Conv2d& layer, const torch::Tensor& x) {
  torch::Tensor y = layer->forward(x);
  if (current) FlopCounter::add(conv_flops(*layer, y));
  return y;
}

torch::Tensor linear(torch::nn::Linear& layer, const torch::Tensor& x) {
  torch::Tensor y = layer->forward(x);
  if (current) FlopCounter::add(linear_flops(*layer, y));
  return y;
}

torch::Tensor matmul(const torch::Tensor& a, const torch::Tensor& b) {
  torch::Tensor y = torch::matmul(a, b);
  if (current) FlopCounter::add(2 * y.numel() * a.size(-1));
  return y;
}

void count_layer(torch::nn::Module& layer, const torch::Tensor& in, const torch::Tensor& out) {
  if (!current) return;
  if (auto* c = dynamic_cast<torch::nn::Conv2dImpl*>(&layer)) {
    FlopCounter::add(conv_flops(*c, out));
  } else if (auto* l = dynamic_cast<torch::nn::LinearImpl*>(&layer)) {
    FlopCounter::add(linear_flops(*l, out));
  }
}

}  // namespace tiersplit::models
