// test_flops.cpp: FLOPs counted by blocks against hand-computed counts (2 x multiply-adds).
#include "models/flop_counter.hpp"
#include "models/zoo.hpp"
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest

namespace models = tiersplit::models;

namespace {

/// FLOPs of one block's forward on x.
int64_t block_flops(models::BlockModel& m, int64_t block, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  models::FlopCounter counter;
  m->block(block).forward(x);
  return counter.flops();
}

/// 2 * output elements * input channels per group * kernel area.
int64_t conv_flops(int64_t out_channels, int64_t out_side, int64_t in_per_group, int64_t k) {
  return 2 * out_channels * out_side * out_side * in_per_group * k * k;
}

}  // namespace

TEST_CASE("alexnet conv1 and fc6 FLOPs") {
  torch::manual_seed(0);
  models::BlockModel m = models::build_model("alexnet", {1000, 224});
  // conv1: 64 x 55 x 55 outputs, each 3 x 11 x 11 multiply-adds.
  CHECK(block_flops(m, 0, torch::randn({1, 3, 224, 224})) == 140553600);
  CHECK(conv_flops(64, 55, 3, 11) == 140553600);
  CHECK(block_flops(m, 0, torch::randn({2, 3, 224, 224})) == 2 * 140553600);
  // fc6 (dropout, Linear 9216 -> 4096, ReLU): only the Linear counts.
  CHECK(block_flops(m, 9, torch::randn({1, 9216})) == 2 * 9216 * 4096);
  CHECK(block_flops(m, 11, torch::randn({3, 4096})) == 3 * 2 * 4096 * 1000);
  // Pools count nothing.
  CHECK(block_flops(m, 1, torch::randn({1, 64, 55, 55})) == 0);
}

TEST_CASE("mobilenet_v2 depthwise blocks count in_channels / groups") {
  torch::manual_seed(0);
  models::BlockModel m = models::build_model("mobilenet_v2", {1000, 224});
  // ir1 (t=1): depthwise 3x3 on 32 channels at 112, project 32 -> 16.
  const int64_t ir1 = conv_flops(32, 112, 1, 3) + conv_flops(16, 112, 32, 1);
  CHECK(ir1 == 20070400);
  CHECK(block_flops(m, 1, torch::randn({1, 32, 112, 112})) == ir1);
  // ir2 (t=6, stride 2): expand 16 -> 96 at 112, depthwise to 56, project 96 -> 24.
  const int64_t ir2 =
      conv_flops(96, 112, 16, 1) + conv_flops(96, 56, 1, 3) + conv_flops(24, 56, 96, 1);
  CHECK(block_flops(m, 2, torch::randn({1, 16, 112, 112})) == ir2);
}

TEST_CASE("densenet121 dense block and transition FLOPs") {
  torch::manual_seed(0);
  models::BlockModel m = models::build_model("densenet121", {1000, 224});
  // denseblock1 at 56x56: layer i has 64 + 32 i inputs -> 1x1 to 128 -> 3x3 to 32.
  int64_t dense1 = 0;
  for (int64_t i = 0; i < 6; ++i)
    dense1 += conv_flops(128, 56, 64 + 32 * i, 1) + conv_flops(32, 56, 128, 3);
  CHECK(block_flops(m, 2, torch::randn({1, 64, 56, 56})) == dense1);
  // transition1: 1x1 conv 256 -> 128 at 56 (before the 2x2 average pool).
  CHECK(block_flops(m, 3, torch::randn({1, 256, 56, 56})) == conv_flops(128, 56, 256, 1));
}

TEST_CASE("vit_b_16 embedding and encoder block FLOPs") {
  torch::manual_seed(0);
  models::BlockModel m = models::build_model("vit_b_16", {1000, 224});
  // Embedding: a 16x16/16 conv, 768 outputs at 14x14, each over 3 x 16 x 16 inputs.
  CHECK(block_flops(m, 0, torch::randn({1, 3, 224, 224})) == conv_flops(768, 14, 3, 16));
  // Encoder block on L = 197 tokens of width D = 768, 12 heads of 64, MLP 3072.
  const int64_t L = 197, D = 768, H = 12, d = 64, M = 3072;
  const int64_t qkv = 2 * L * D * 3 * D;
  const int64_t scores = 2 * H * L * L * d;  // Q K^T
  const int64_t mix = 2 * H * L * d * L;     // softmax(.) V
  const int64_t out_proj = 2 * L * D * D;
  const int64_t mlp = 2 * L * D * M + 2 * L * M * D;
  const int64_t expected = qkv + scores + mix + out_proj + mlp;
  CHECK(expected == 2907909120);
  CHECK(block_flops(m, 1, torch::randn({1, L, D})) == expected);
  CHECK(block_flops(m, 12, torch::randn({2, L, D})) == 2 * expected);
  // Norm (LayerNorm + class token) counts nothing; the head is a 768 -> 1000 Linear.
  CHECK(block_flops(m, 13, torch::randn({1, L, D})) == 0);
  CHECK(block_flops(m, 14, torch::randn({1, D})) == 2 * D * 1000);
}

TEST_CASE("whole-model FLOPs: resnet18 at 224 matches a hand count and the sum of its blocks") {
  torch::manual_seed(0);
  torch::NoGradGuard no_grad;
  models::BlockModel m = models::build_model("resnet18", {1000, 224});
  m->eval();
  torch::Tensor x = torch::randn({1, 3, 224, 224});
  int64_t whole = 0;
  {
    models::FlopCounter counter;
    m->forward(x);
    whole = counter.flops();
  }
  int64_t sum = 0;
  for (int64_t i = 0; i < m->size(); ++i) {
    models::FlopCounter counter;
    x = m->block(i).forward(x);
    sum += counter.flops();
  }
  // Hand count: stem, then per stage (planes p, output side n) the first block (3x3 convs
  // in -> p with stride, p -> p, plus a 1x1 projection when the shape changes) and the second.
  int64_t expected = conv_flops(64, 112, 3, 7);
  int64_t in = 64;
  for (int64_t stage = 0; stage < 4; ++stage) {
    const int64_t p = 64 << stage, n = 56 >> stage;
    expected += conv_flops(p, n, in, 3) + conv_flops(p, n, p, 3);
    if (in != p) expected += conv_flops(p, n, in, 1);
    expected += 2 * conv_flops(p, n, p, 3);
    in = p;
  }
  expected += 2 * 512 * 1000;
  CHECK(sum == expected);
  CHECK(whole == sum);
  // 1.814 G multiply-adds, torchvision's documented 1.81 GFLOPS for ResNet-18.
  CHECK(sum == 3628146688);
}
