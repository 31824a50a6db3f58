// test_split.cpp: running blocks [0,s) then [s,L) gives the same output as the whole model.
#include <string>
#include <vector>

#include "models/zoo.hpp"
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest

namespace models = tiersplit::models;

namespace {

/// Checks forward_range(forward_range(x, 0, s), s, L) == forward(x) for the given splits
/// (every split 0..L when `splits` is empty), in eval mode, batch 2, 10 classes.
void check_splits(const std::string& name, int64_t resolution, std::vector<int64_t> splits = {}) {
  torch::manual_seed(42);
  torch::NoGradGuard no_grad;
  models::BlockModel m = models::build_model(name, {10, resolution});
  m->eval();
  const int64_t L = m->size();
  if (splits.empty()) {
    for (int64_t s = 0; s <= L; ++s) splits.push_back(s);
  }
  torch::Tensor x = torch::randn({2, 3, resolution, resolution});
  torch::Tensor whole = m->forward(x);
  REQUIRE(whole.sizes() == torch::IntArrayRef({2, 10}));
  for (int64_t s : splits) {
    INFO(name, " split ", s, " of ", L);
    torch::Tensor mid = m->forward_range(x, 0, s);
    torch::Tensor out = m->forward_range(mid, s, L);
    CHECK(torch::allclose(out, whole, 1e-5, 1e-5));
  }
}

}  // namespace

TEST_CASE("resnet18: every split composes to the whole forward") {
  check_splits("resnet18", 32);
}

TEST_CASE("densenet121: every split composes to the whole forward") {
  check_splits("densenet121", 32);
}

TEST_CASE("vit_b_16: every split composes to the whole forward") {
  check_splits("vit_b_16", 32);
}

TEST_CASE("other models: the default freeze split and a middle split compose") {
  check_splits("alexnet", 64, {3, 10});
  check_splits("vgg11", 32, {7, 15});
  check_splits("vgg16", 32, {10, 19});
  check_splits("vgg19", 32, {12, 22});
  check_splits("resnet50", 32, {8, 19});
  check_splits("mobilenet_v2", 32, {9, 18});
}

TEST_CASE("split ranges outside the model fail") {
  torch::manual_seed(0);
  torch::NoGradGuard no_grad;
  models::BlockModel m = models::build_model("mobilenet_v2", {10, 32});
  torch::Tensor x = torch::randn({1, 3, 32, 32});
  CHECK(m->forward_range(x, 0, 0).equal(x));
  CHECK_THROWS(m->forward_range(x, 0, m->size() + 1));
  CHECK_THROWS(m->forward_range(x, 3, 2));
}
