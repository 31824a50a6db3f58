// vgg.cpp: VGG-11/16/19 without batch norm (torchvision layout), one block per conv, pool and fc.
#include "models/zoo.hpp"

namespace tiersplit::models {
namespace {

namespace nn = torch::nn;

/// Convolutions per stage (each stage ends in a 2x2 max pool); channels 64, 128, 256, 512, 512.
using VggConfig = std::vector<int64_t>;

BlockModel build_vgg(const std::string& name, const ModelOptions& o, const VggConfig& convs,
                     int64_t freeze) {
  static const int64_t kStageChannels[5] = {64, 128, 256, 512, 512};
  BlockModel m(name, o);
  int64_t in = 3;
  for (std::size_t stage = 0; stage < convs.size(); ++stage) {
    const int64_t out = kStageChannels[stage];
    const std::string prefix = std::to_string(stage + 1);
    for (int64_t j = 0; j < convs[stage]; ++j) {
      BlockKind kind = in == 3 ? BlockKind::kStem : BlockKind::kConv;
      m->add("conv" + prefix + "_" + std::to_string(j + 1), kind,
             sequential_block(nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)), nn::ReLU()));
      in = out;
    }
    m->add("pool" + prefix, BlockKind::kPool,
           sequential_block(nn::MaxPool2d(nn::MaxPool2dOptions(2).stride(2))));
  }
  m->add("avgpool", BlockKind::kPool,
         sequential_block(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({7, 7})), Flatten()));
  m->add("fc6", BlockKind::kClassifier,
         sequential_block(nn::Linear(in * 7 * 7, 4096), nn::ReLU(), nn::Dropout(0.5)));
  m->add("fc7", BlockKind::kClassifier,
         sequential_block(nn::Linear(4096, 4096), nn::ReLU(), nn::Dropout(0.5)));
  m->add("fc8", BlockKind::kClassifier, sequential_block(nn::Linear(4096, o.num_classes)));
  m->set_default_freeze(freeze);
  return m;
}

}  // namespace

// VGG-11 (configuration A): 17 blocks; fc7 and fc8 train.
BlockModel build_vgg11(const ModelOptions& o) {
  return build_vgg("vgg11", o, {1, 1, 2, 2, 2}, 15);
}

// VGG-16 (configuration D): 22 blocks; fc6, fc7 and fc8 train.
BlockModel build_vgg16(const ModelOptions& o) {
  return build_vgg("vgg16", o, {2, 2, 3, 3, 3}, 19);
}

// VGG-19 (configuration E): 25 blocks; fc6, fc7 and fc8 train.
BlockModel build_vgg19(const ModelOptions& o) {
  return build_vgg("vgg19", o, {2, 2, 4, 4, 4}, 22);
}

}  // namespace tiersplit::models
