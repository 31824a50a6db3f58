// alexnet.cpp: AlexNet (torchvision layout) as 12 blocks, one per conv, pool and fc layer.
#include "models/zoo.hpp"

namespace tiersplit::models {
namespace {

namespace nn = torch::nn;

/// Convolution with bias (AlexNet has no batch norm) followed by ReLU.
std::shared_ptr<BlockImpl> conv_relu(int64_t in, int64_t out, int64_t k, int64_t stride,
                                     int64_t pad) {
  return sequential_block(nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(pad)),
                          nn::ReLU());
}

std::shared_ptr<BlockImpl> max_pool() {
  return sequential_block(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2)));
}

/// Dropout, Linear, ReLU: torchvision's classifier[0..2] and classifier[3..5].
std::shared_ptr<BlockImpl> dropout_linear_relu(int64_t in, int64_t out) {
  return sequential_block(nn::Dropout(0.5), nn::Linear(in, out), nn::ReLU());
}

}  // namespace

// AlexNet: 12 blocks; frozen through fc6, so fc7 and fc8 train.
BlockModel build_alexnet(const ModelOptions& o) {
  BlockModel m("alexnet", o);
  m->add("conv1", BlockKind::kStem, conv_relu(3, 64, 11, 4, 2));
  m->add("pool1", BlockKind::kPool, max_pool());
  m->add("conv2", BlockKind::kConv, conv_relu(64, 192, 5, 1, 2));
  m->add("pool2", BlockKind::kPool, max_pool());
  m->add("conv3", BlockKind::kConv, conv_relu(192, 384, 3, 1, 1));
  m->add("conv4", BlockKind::kConv, conv_relu(384, 256, 3, 1, 1));
  m->add("conv5", BlockKind::kConv, conv_relu(256, 256, 3, 1, 1));
  m->add("pool3", BlockKind::kPool, max_pool());
  m->add("avgpool", BlockKind::kPool,
         sequential_block(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({6, 6})), Flatten()));
  m->add("fc6", BlockKind::kClassifier, dropout_linear_relu(256 * 6 * 6, 4096));
  m->add("fc7", BlockKind::kClassifier, dropout_linear_relu(4096, 4096));
  m->add("fc8", BlockKind::kClassifier, sequential_block(nn::Linear(4096, o.num_classes)));
  m->set_default_freeze(10);
  return m;
}

}  // namespace tiersplit::models
