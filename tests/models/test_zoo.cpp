// test_zoo.cpp: zoo models match torchvision (parameters, blocks, freeze); bad options fail.
#include <set>
#include <string>

#include "common/error.hpp"
#include "models/zoo.hpp"
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest

namespace models = tiersplit::models;

namespace {

struct Expected {
  std::string name;
  int64_t parameters;  // torchvision 0.14 at 1000 classes
  int64_t blocks;
  int64_t default_freeze;
};

const std::vector<Expected>& expected_models() {
  static const std::vector<Expected> e{
      {"alexnet", 61100840, 12, 10},    {"vgg11", 132863336, 17, 15},
      {"vgg16", 138357544, 22, 19},     {"vgg19", 143667240, 25, 22},
      {"resnet18", 11689512, 12, 9},    {"resnet50", 25557032, 20, 19},
      {"densenet121", 7978856, 12, 10}, {"mobilenet_v2", 3504872, 21, 18},
      {"vit_b_16", 86567656, 15, 11},
  };
  return e;
}

/// The message of the tiersplit::Error that build_model throws, or "" (and a failed check).
std::string build_error(const std::string& name, int64_t classes, int64_t resolution) {
  models::ModelOptions o;
  o.num_classes = classes;
  o.resolution = resolution;
  try {
    models::build_model(name, o);
  } catch (const tiersplit::Error& e) {
    return e.what();
  }
  FAIL_CHECK("build_model('", name, "', classes ", classes, ", resolution ", resolution,
             ") did not throw tiersplit::Error");
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("zoo lists every model in order") {
  std::vector<std::string> names;
  for (const auto& e : expected_models()) names.push_back(e.name);
  CHECK(models::zoo_names() == names);
}

TEST_CASE("parameter counts, block counts and default freeze match torchvision at 224") {
  torch::manual_seed(0);
  for (const auto& e : expected_models()) {
    INFO(e.name);
    models::BlockModel m = models::build_model(e.name, {1000, 224});
    CHECK(m->name() == e.name);
    CHECK(m->parameter_count() == e.parameters);
    CHECK(m->size() == e.blocks);
    CHECK(m->default_freeze() == e.default_freeze);
    int64_t per_block = 0;
    for (int64_t i = 0; i < m->size(); ++i) per_block += m->block_parameter_count(i);
    CHECK(per_block == e.parameters);  // every parameter lives in exactly one block
  }
}

TEST_CASE("parameters scale with classes and ViT's position embedding with resolution") {
  torch::manual_seed(0);
  // Only the classifier depends on the class count: (in + 1) * classes.
  CHECK(models::build_model("resnet18", {10, 32})->parameter_count() ==
        11689512 - 513 * 1000 + 513 * 10);
  CHECK(models::build_model("densenet121", {10, 32})->parameter_count() ==
        7978856 - 1025 * 1000 + 1025 * 10);
  // ViT at 32: 2x2 patches + class token = 5 positions instead of 197.
  CHECK(models::build_model("vit_b_16", {1000, 32})->parameter_count() == 86567656 - 192 * 768);
}

TEST_CASE("block names are unique, dot-free, and the last block is the classifier") {
  torch::manual_seed(0);
  for (const auto& e : models::zoo()) {
    INFO(e.name);
    models::BlockModel m = models::build_model(e.name, {10, e.min_resolution});
    std::set<std::string> seen;
    for (int64_t i = 0; i < m->size(); ++i) {
      const std::string& n = m->block_name(i);
      CHECK(!n.empty());
      CHECK(n.find('.') == std::string::npos);
      CHECK(seen.insert(n).second);
    }
    CHECK(m->block_kind(m->size() - 1) == models::BlockKind::kClassifier);
  }
}

TEST_CASE("every model runs at its smallest accepted resolution") {
  torch::manual_seed(0);
  torch::NoGradGuard no_grad;
  for (const auto& e : models::zoo()) {
    INFO(e.name, " at ", e.min_resolution);
    models::BlockModel m = models::build_model(e.name, {7, e.min_resolution});
    m->eval();
    torch::Tensor y = m->forward(torch::randn({1, 3, e.min_resolution, e.min_resolution}));
    CHECK(y.sizes() == torch::IntArrayRef({1, 7}));
    CHECK(torch::isfinite(y).all().item<bool>());
  }
}

TEST_CASE("the minimum resolutions of alexnet, vgg and densenet are tight") {
  // One pixel less than zoo.cpp's minimum makes a pooling layer's output empty.
  torch::manual_seed(0);
  torch::NoGradGuard no_grad;
  auto fails_at = [](models::BlockModel m, int64_t r) {
    m->eval();
    CHECK_THROWS(m->forward(torch::randn({1, 3, r, r})));
  };
  fails_at(models::build_alexnet({7, 62}), 62);
  fails_at(models::build_vgg11({7, 31}), 31);
  fails_at(models::build_densenet121({7, 28}), 28);
}

TEST_CASE("an unknown model name fails with a suggestion") {
  std::string msg = build_error("resnet5", 10, 224);
  CHECK(contains(msg, "'resnet5'"));
  CHECK(contains(msg, "resnet50"));
  CHECK(contains(build_error("", 10, 224), "unknown model"));
  CHECK_THROWS_AS(models::find_model("VGG16"), tiersplit::Error);
}

TEST_CASE("a resolution below the model's minimum fails") {
  std::string msg = build_error("alexnet", 10, 62);
  CHECK(contains(msg, "alexnet"));
  CHECK(contains(msg, "62"));
  CHECK(contains(msg, "63"));
  CHECK(contains(build_error("vgg16", 10, 31), "resolution 31 "));
  CHECK(contains(build_error("densenet121", 10, 16), "resolution 16 "));
  CHECK(contains(build_error("vit_b_16", 10, 0), "resolution 0 "));
  CHECK(contains(build_error("mobilenet_v2", 10, -224), "resolution -224 "));
}

TEST_CASE("a ViT resolution that is not a multiple of 16 fails") {
  std::string msg = build_error("vit_b_16", 10, 200);
  CHECK(contains(msg, "vit_b_16"));
  CHECK(contains(msg, "200"));
  CHECK(contains(msg, "16"));
  CHECK(contains(build_error("vit_b_16", 10, 225), "resolution 225 "));
}

TEST_CASE("a class count below 1 fails") {
  std::string msg = build_error("resnet18", 0, 224);
  CHECK(contains(msg, "resnet18"));
  CHECK(contains(msg, "classes 0"));
  CHECK(contains(build_error("vit_b_16", -3, 224), "-3"));
}
