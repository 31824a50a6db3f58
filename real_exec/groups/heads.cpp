// heads.cpp: linear and MLP heads with flat gradients (see heads.hpp).
#include "real_exec/groups/heads.hpp"

#include "common/error.hpp"
#include "real_exec/tensor_codec.hpp"

namespace tiersplit::real_exec::groups {

Head::Head(const HeadConfig& config, int64_t in_features, int64_t classes, uint64_t seed)
    : config_(config) {
  // LibTorch's layers draw their initial weights from the global generator: seed and draw
  // under one lock, so that workers on threads of one process (tests) get the same heads.
  std::lock_guard<std::mutex> lock(random_init_mutex());
  torch::manual_seed(seed);
  net_ = torch::nn::Sequential();
  if (config.kind == tiersplit::groups::HeadKind::kLinear) {
    net_->push_back(torch::nn::Linear(in_features, classes));
  } else {
    net_->push_back(torch::nn::Linear(in_features, config.hidden));
    net_->push_back(torch::nn::ReLU());
    net_->push_back(torch::nn::Linear(config.hidden, classes));
  }
}

void Head::accumulate(const torch::Tensor& x, const torch::Tensor& y) {
  if (x.size(0) == 0) return;
  auto loss = torch::nn::functional::cross_entropy(
      net_->forward(x), y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
  loss.backward();
}

torch::Tensor Head::flat_gradient() const {
  std::vector<torch::Tensor> parts;
  for (const auto& p : net_->parameters())
    parts.push_back(p.grad().defined() ? p.grad().reshape(-1) : torch::zeros({p.numel()}));
  return torch::cat(parts);
}

void Head::update(const torch::Tensor& summed, int64_t count) {
  torch::NoGradGuard no_grad;
  int64_t at = 0;
  for (auto& p : net_->parameters()) {
    auto g = summed.narrow(0, at, p.numel()).view_as(p) /
             static_cast<double>(std::max<int64_t>(1, count));
    if (config_.weight_decay > 0) g = g + config_.weight_decay * p;
    p.sub_(config_.learning_rate * g);
    if (p.grad().defined()) p.mutable_grad().zero_();
    at += p.numel();
  }
}

int64_t Head::correct(const torch::Tensor& x, const torch::Tensor& y) {
  if (x.size(0) == 0) return 0;
  torch::NoGradGuard no_grad;
  return net_->forward(x).argmax(1).eq(y).sum().item<int64_t>();
}

torch::Tensor Head::flat_weights() const {
  std::vector<torch::Tensor> parts;
  for (const auto& p : net_->parameters()) parts.push_back(p.detach().reshape(-1));
  return torch::cat(parts);
}

void Head::set_flat_weights(const torch::Tensor& flat) {
  if (flat.numel() != parameters())
    fail("a checkpoint holds ", flat.numel(), " weights for a head of ", parameters(), " (",
         config_.label, ")");
  torch::NoGradGuard no_grad;
  int64_t at = 0;
  for (auto& p : net_->parameters()) {
    p.copy_(flat.narrow(0, at, p.numel()).view_as(p));
    at += p.numel();
  }
}

int64_t Head::parameters() const {
  int64_t n = 0;
  for (const auto& p : net_->parameters()) n += p.numel();
  return n;
}

uint64_t head_seed(uint64_t seed, int64_t group, int64_t config) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(group) * 1000003ULL +
               static_cast<uint64_t>(config);
  x ^= x >> 31;
  return x & 0x7fffffffffffULL;
}

}  // namespace tiersplit::real_exec::groups
