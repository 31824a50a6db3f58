// zoo.cpp: the zoo registry and option checks.
#include "models/zoo.hpp"

#include "common/error.hpp"
#include "common/strings.hpp"

namespace tiersplit::models {

const std::vector<ZooEntry>& zoo() {
  static const std::vector<ZooEntry> entries{
      {"alexnet", "AlexNet (Krizhevsky 2014 'one weird trick' variant, torchvision)", 63, 1,
       build_alexnet},
      {"vgg11", "VGG-11 without batch norm (Simonyan & Zisserman 2015)", 32, 1, build_vgg11},
      {"vgg16", "VGG-16 without batch norm", 32, 1, build_vgg16},
      {"vgg19", "VGG-19 without batch norm", 32, 1, build_vgg19},
      {"resnet18", "ResNet-18 (He et al. 2016), basic blocks", 32, 1, build_resnet18},
      {"resnet50", "ResNet-50 (He et al. 2016), bottleneck blocks (stride on 3x3, v1.5)", 32, 1,
       build_resnet50},
      {"densenet121", "DenseNet-121 (Huang et al. 2017), growth 32", 32, 1, build_densenet121},
      {"mobilenet_v2", "MobileNetV2 (Sandler et al. 2018), width 1.0", 32, 1, build_mobilenet_v2},
      {"vit_b_16", "ViT-B/16 (Dosovitskiy et al. 2021), 12 encoder blocks", 16, 16, build_vit_b16},
  };
  return entries;
}

std::vector<std::string> zoo_names() {
  std::vector<std::string> names;
  for (const auto& e : zoo()) names.push_back(e.name);
  return names;
}

const ZooEntry& find_model(const std::string& name) {
  for (const auto& e : zoo()) {
    if (e.name == name) return e;
  }
  fail("unknown model '", name, "'", did_you_mean(name, zoo_names()),
       " (known: ", join(zoo_names(), ", "), ")");
}

BlockModel build_model(const std::string& name, const ModelOptions& options) {
  const ZooEntry& e = find_model(name);
  if (options.num_classes < 1)
    fail(name, ": number of classes ", options.num_classes, " must be at least 1");
  if (options.resolution < e.min_resolution) {
    fail(name, ": input resolution ", options.resolution, " is below the smallest it accepts (",
         e.min_resolution, ")");
  }
  if (options.resolution % e.resolution_multiple != 0) {
    fail(name, ": input resolution ", options.resolution, " must be a multiple of ",
         e.resolution_multiple);
  }
  if (options.resolution > 4096)
    fail(name, ": input resolution ", options.resolution, " is above 4096");
  return e.build(options);
}

}  // namespace tiersplit::models
