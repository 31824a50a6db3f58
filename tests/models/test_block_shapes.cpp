// test_block_shapes.cpp: the output shape after every block, derived by hand, at small inputs.
#include <string>
#include <utility>
#include <vector>

#include "models/zoo.hpp"
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest

namespace models = tiersplit::models;

namespace {

using Shape = std::vector<int64_t>;

/// Runs a batch of 2 block by block and checks each block's name and output shape.
void check_shapes(const std::string& name, int64_t resolution,
                  const std::vector<std::pair<std::string, Shape>>& expected) {
  torch::manual_seed(0);
  torch::NoGradGuard no_grad;
  models::BlockModel m = models::build_model(name, {10, resolution});
  m->eval();
  REQUIRE(m->size() == static_cast<int64_t>(expected.size()));
  torch::Tensor x = torch::randn({2, 3, resolution, resolution});
  for (int64_t i = 0; i < m->size(); ++i) {
    INFO(name, " block ", i, " (", expected[i].first, ")");
    CHECK(m->block_name(i) == expected[i].first);
    x = m->block(i).forward(x);
    CHECK(x.sizes().vec() == expected[i].second);
  }
}

}  // namespace

TEST_CASE("alexnet block shapes at 64") {
  // conv1 (64+4-11)/4+1 = 15; pools (15-3)/2+1 = 7, (7-3)/2+1 = 3, (3-3)/2+1 = 1.
  check_shapes("alexnet", 64,
               {{"conv1", {2, 64, 15, 15}},
                {"pool1", {2, 64, 7, 7}},
                {"conv2", {2, 192, 7, 7}},
                {"pool2", {2, 192, 3, 3}},
                {"conv3", {2, 384, 3, 3}},
                {"conv4", {2, 256, 3, 3}},
                {"conv5", {2, 256, 3, 3}},
                {"pool3", {2, 256, 1, 1}},
                {"avgpool", {2, 9216}},
                {"fc6", {2, 4096}},
                {"fc7", {2, 4096}},
                {"fc8", {2, 10}}});
}

TEST_CASE("vgg11 block shapes at 64") {
  check_shapes("vgg11", 64,
               {{"conv1_1", {2, 64, 64, 64}},
                {"pool1", {2, 64, 32, 32}},
                {"conv2_1", {2, 128, 32, 32}},
                {"pool2", {2, 128, 16, 16}},
                {"conv3_1", {2, 256, 16, 16}},
                {"conv3_2", {2, 256, 16, 16}},
                {"pool3", {2, 256, 8, 8}},
                {"conv4_1", {2, 512, 8, 8}},
                {"conv4_2", {2, 512, 8, 8}},
                {"pool4", {2, 512, 4, 4}},
                {"conv5_1", {2, 512, 4, 4}},
                {"conv5_2", {2, 512, 4, 4}},
                {"pool5", {2, 512, 2, 2}},
                {"avgpool", {2, 512 * 7 * 7}},
                {"fc6", {2, 4096}},
                {"fc7", {2, 4096}},
                {"fc8", {2, 10}}});
}

TEST_CASE("vgg16 and vgg19 block names and shapes at 32") {
  for (const std::string& name : {std::string("vgg16"), std::string("vgg19")}) {
    const int64_t per_stage = name == "vgg16" ? 3 : 4;  // convs in stages 3..5
    std::vector<std::pair<std::string, Shape>> expected;
    const int64_t channels[5] = {64, 128, 256, 512, 512};
    int64_t side = 32;
    for (int64_t stage = 1; stage <= 5; ++stage) {
      const int64_t convs = stage <= 2 ? 2 : per_stage;
      for (int64_t j = 1; j <= convs; ++j) {
        expected.push_back({"conv" + std::to_string(stage) + "_" + std::to_string(j),
                            {2, channels[stage - 1], side, side}});
      }
      side /= 2;
      expected.push_back({"pool" + std::to_string(stage), {2, channels[stage - 1], side, side}});
    }
    expected.push_back({"avgpool", {2, 25088}});
    expected.push_back({"fc6", {2, 4096}});
    expected.push_back({"fc7", {2, 4096}});
    expected.push_back({"fc8", {2, 10}});
    check_shapes(name, 32, expected);
  }
}

TEST_CASE("resnet18 block shapes at 64") {
  // stem (64+6-7)/2+1 = 32, maxpool (32+2-3)/2+1 = 16, then /2 at layer2_0, layer3_0, layer4_0.
  check_shapes("resnet18", 64,
               {{"stem", {2, 64, 32, 32}},
                {"maxpool", {2, 64, 16, 16}},
                {"layer1_0", {2, 64, 16, 16}},
                {"layer1_1", {2, 64, 16, 16}},
                {"layer2_0", {2, 128, 8, 8}},
                {"layer2_1", {2, 128, 8, 8}},
                {"layer3_0", {2, 256, 4, 4}},
                {"layer3_1", {2, 256, 4, 4}},
                {"layer4_0", {2, 512, 2, 2}},
                {"layer4_1", {2, 512, 2, 2}},
                {"avgpool", {2, 512}},
                {"fc", {2, 10}}});
}

TEST_CASE("resnet50 block shapes at 64") {
  std::vector<std::pair<std::string, Shape>> expected{{"stem", {2, 64, 32, 32}},
                                                      {"maxpool", {2, 64, 16, 16}}};
  const int64_t layers[4] = {3, 4, 6, 3};
  for (int64_t stage = 0; stage < 4; ++stage) {
    const int64_t side = 16 >> stage;
    for (int64_t j = 0; j < layers[stage]; ++j) {
      expected.push_back({"layer" + std::to_string(stage + 1) + "_" + std::to_string(j),
                          {2, 256 << stage, side, side}});
    }
  }
  expected.push_back({"avgpool", {2, 2048}});
  expected.push_back({"fc", {2, 10}});
  check_shapes("resnet50", 64, expected);
}

TEST_CASE("densenet121 block shapes at 64") {
  // Dense blocks add layers * 32 channels: 64+6*32 = 256, 128+12*32 = 512, 256+24*32 = 1024,
  // 512+16*32 = 1024; transitions halve channels and side.
  check_shapes("densenet121", 64,
               {{"stem", {2, 64, 32, 32}},
                {"pool0", {2, 64, 16, 16}},
                {"denseblock1", {2, 256, 16, 16}},
                {"transition1", {2, 128, 8, 8}},
                {"denseblock2", {2, 512, 8, 8}},
                {"transition2", {2, 256, 4, 4}},
                {"denseblock3", {2, 1024, 4, 4}},
                {"transition3", {2, 512, 2, 2}},
                {"denseblock4", {2, 1024, 2, 2}},
                {"norm5", {2, 1024, 2, 2}},
                {"avgpool", {2, 1024}},
                {"classifier", {2, 10}}});
}

TEST_CASE("mobilenet_v2 block shapes at 64") {
  // Strides 2 at stem, ir2, ir4, ir7, ir14: 64 -> 32 -> 16 -> 8 -> 4 -> 2.
  check_shapes("mobilenet_v2", 64,
               {{"stem", {2, 32, 32, 32}}, {"ir1", {2, 16, 32, 32}}, {"ir2", {2, 24, 16, 16}},
                {"ir3", {2, 24, 16, 16}},  {"ir4", {2, 32, 8, 8}},   {"ir5", {2, 32, 8, 8}},
                {"ir6", {2, 32, 8, 8}},    {"ir7", {2, 64, 4, 4}},   {"ir8", {2, 64, 4, 4}},
                {"ir9", {2, 64, 4, 4}},    {"ir10", {2, 64, 4, 4}},  {"ir11", {2, 96, 4, 4}},
                {"ir12", {2, 96, 4, 4}},   {"ir13", {2, 96, 4, 4}},  {"ir14", {2, 160, 2, 2}},
                {"ir15", {2, 160, 2, 2}},  {"ir16", {2, 160, 2, 2}}, {"ir17", {2, 320, 2, 2}},
                {"head", {2, 1280, 2, 2}}, {"avgpool", {2, 1280}},   {"classifier", {2, 10}}});
}

TEST_CASE("vit_b_16 block shapes at 32 and 48") {
  for (int64_t r : {32, 48}) {
    const int64_t tokens = (r / 16) * (r / 16) + 1;  // 5 at 32, 10 at 48
    std::vector<std::pair<std::string, Shape>> expected{{"embed", {2, tokens, 768}}};
    for (int i = 0; i < 12; ++i) expected.push_back({"enc" + std::to_string(i), {2, tokens, 768}});
    expected.push_back({"norm", {2, 768}});
    expected.push_back({"head", {2, 10}});
    check_shapes("vit_b_16", r, expected);
  }
}

TEST_CASE("block kinds follow the architecture") {
  torch::manual_seed(0);
  using K = models::BlockKind;
  models::BlockModel d = models::build_model("densenet121", {10, 32});
  CHECK(d->block_kind(0) == K::kStem);
  CHECK(d->block_kind(2) == K::kDense);
  CHECK(d->block_kind(3) == K::kTransition);
  CHECK(d->block_kind(9) == K::kNorm);
  models::BlockModel mb = models::build_model("mobilenet_v2", {10, 32});
  for (int64_t i = 1; i <= 17; ++i) CHECK(mb->block_kind(i) == K::kInvertedResidual);
  CHECK(mb->block_kind(18) == K::kConv);
  models::BlockModel v = models::build_model("vit_b_16", {10, 32});
  CHECK(v->block_kind(0) == K::kEmbedding);
  for (int64_t i = 1; i <= 12; ++i) CHECK(v->block_kind(i) == K::kTransformer);
  CHECK(v->block_kind(13) == K::kNorm);
  models::BlockModel a = models::build_model("alexnet", {10, 63});
  CHECK(a->block_kind(0) == K::kStem);
  CHECK(a->block_kind(8) == K::kPool);
  CHECK(a->block_kind(9) == K::kClassifier);
}
