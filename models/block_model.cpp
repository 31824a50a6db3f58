// block_model.cpp: ordered blocks, range forward, parameter counting, freezing.
#include "models/block_model.hpp"

#include "common/error.hpp"

namespace tiersplit::models {

BlockModelImpl::BlockModelImpl(std::string name, ModelOptions options)
    : name_(std::move(name)), options_(options) {}

BlockModelImpl& BlockModelImpl::add(const std::string& block_name, BlockKind kind,
                                    std::shared_ptr<BlockImpl> block) {
  for (const auto& n : names_) {
    if (n == block_name) throw std::logic_error("duplicate block name " + block_name);
  }
  blocks_.push_back(register_module(block_name, std::move(block)));
  names_.push_back(block_name);
  kinds_.push_back(kind);
  return *this;
}

BlockModelImpl& BlockModelImpl::set_default_freeze(int64_t freeze_index) {
  if (freeze_index < 0 || freeze_index > size()) {
    throw std::logic_error("default freeze index out of range for " + name_);
  }
  default_freeze_ = freeze_index;
  return *this;
}

std::vector<int64_t> BlockModelImpl::sample_shape() const {
  return {3, options_.resolution, options_.resolution};
}

torch::Tensor BlockModelImpl::forward_range(torch::Tensor x, int64_t begin, int64_t end) {
  if (begin < 0 || end > size() || begin > end) {
    fail(name_, ": block range [", begin, ",", end, ") is outside [0,", size(), "]");
  }
  for (int64_t i = begin; i < end; ++i) x = blocks_[i]->forward(x);
  return x;
}

int64_t BlockModelImpl::block_parameter_count(int64_t i) {
  int64_t n = 0;
  for (const auto& p : blocks_.at(i)->parameters()) n += p.numel();
  return n;
}

int64_t BlockModelImpl::parameter_count() {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

void BlockModelImpl::apply_freeze(int64_t freeze_index) {
  if (freeze_index < 0 || freeze_index > size()) {
    fail(name_, ": freeze index ", freeze_index, " is outside [0,", size(), "]");
  }
  for (int64_t i = 0; i < size(); ++i) {
    bool frozen = i < freeze_index;
    for (auto& p : blocks_[i]->parameters()) p.set_requires_grad(!frozen);
    blocks_[i]->train(!frozen && is_training());
  }
}

}  // namespace tiersplit::models
