// resnet.cpp: ResNet-18 and ResNet-50 as blocks (stem, maxpool, one block per residual unit,
// avgpool, fc).
#include "models/flop_counter.hpp"
#include "models/zoo.hpp"

namespace tiersplit::models {
namespace {

namespace nn = torch::nn;

nn::Conv2d conv_nobias(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(pad).bias(false));
}

/// Projection shortcut (1x1 conv + BN) when shape changes; empty otherwise.
struct Shortcut {
  nn::Conv2d conv{nullptr};
  nn::BatchNorm2d bn{nullptr};
};

Shortcut make_shortcut(nn::Module& owner, int64_t in, int64_t out, int64_t stride) {
  Shortcut s;
  if (stride != 1 || in != out) {
    s.conv = owner.register_module("downsample_conv", conv_nobias(in, out, 1, stride, 0));
    s.bn = owner.register_module("downsample_bn", nn::BatchNorm2d(out));
  }
  return s;
}

torch::Tensor apply_shortcut(Shortcut& s, const torch::Tensor& x) {
  return s.conv ? s.bn->forward(conv(s.conv, x)) : x;
}

/// Two 3x3 convolutions with an identity or projection shortcut (ResNet-18/34).
class BasicBlockImpl : public BlockImpl {
 public:
  BasicBlockImpl(int64_t in, int64_t planes, int64_t stride)
      : conv1_(register_module("conv1", conv_nobias(in, planes, 3, stride, 1))),
        bn1_(register_module("bn1", nn::BatchNorm2d(planes))),
        conv2_(register_module("conv2", conv_nobias(planes, planes, 3, 1, 1))),
        bn2_(register_module("bn2", nn::BatchNorm2d(planes))),
        shortcut_(make_shortcut(*this, in, planes, stride)) {}

  torch::Tensor forward(torch::Tensor x) override {
    torch::Tensor y = torch::relu(bn1_->forward(conv(conv1_, x)));
    y = bn2_->forward(conv(conv2_, y));
    return torch::relu(y + apply_shortcut(shortcut_, x));
  }

 private:
  nn::Conv2d conv1_;
  nn::BatchNorm2d bn1_;
  nn::Conv2d conv2_;
  nn::BatchNorm2d bn2_;
  Shortcut shortcut_;
};

/// 1x1 reduce, 3x3 (carries the stride, "v1.5"), 1x1 expand x4, with shortcut (ResNet-50).
class BottleneckImpl : public BlockImpl {
 public:
  BottleneckImpl(int64_t in, int64_t planes, int64_t stride)
      : conv1_(register_module("conv1", conv_nobias(in, planes, 1, 1, 0))),
        bn1_(register_module("bn1", nn::BatchNorm2d(planes))),
        conv2_(register_module("conv2", conv_nobias(planes, planes, 3, stride, 1))),
        bn2_(register_module("bn2", nn::BatchNorm2d(planes))),
        conv3_(register_module("conv3", conv_nobias(planes, planes * 4, 1, 1, 0))),
        bn3_(register_module("bn3", nn::BatchNorm2d(planes * 4))),
        shortcut_(make_shortcut(*this, in, planes * 4, stride)) {}

  torch::Tensor forward(torch::Tensor x) override {
    torch::Tensor y = torch::relu(bn1_->forward(conv(conv1_, x)));
    y = torch::relu(bn2_->forward(conv(conv2_, y)));
    y = bn3_->forward(conv(conv3_, y));
    return torch::relu(y + apply_shortcut(shortcut_, x));
  }

 private:
  nn::Conv2d conv1_;
  nn::BatchNorm2d bn1_;
  nn::Conv2d conv2_;
  nn::BatchNorm2d bn2_;
  nn::Conv2d conv3_;
  nn::BatchNorm2d bn3_;
  Shortcut shortcut_;
};

BlockModel build_resnet(const std::string& name, const ModelOptions& o, bool bottleneck,
                        const std::vector<int64_t>& layers, int64_t freeze) {
  BlockModel m(name, o);
  m->add("stem", BlockKind::kStem,
         sequential_block(conv_nobias(3, 64, 7, 2, 3), nn::BatchNorm2d(64), nn::ReLU()));
  m->add("maxpool", BlockKind::kPool,
         sequential_block(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1))));
  const int64_t expansion = bottleneck ? 4 : 1;
  int64_t in = 64;
  for (std::size_t stage = 0; stage < layers.size(); ++stage) {
    int64_t planes = 64 << stage;
    for (int64_t j = 0; j < layers[stage]; ++j) {
      int64_t stride = (stage > 0 && j == 0) ? 2 : 1;
      std::shared_ptr<BlockImpl> b;
      if (bottleneck)
        b = std::make_shared<BottleneckImpl>(in, planes, stride);
      else
        b = std::make_shared<BasicBlockImpl>(in, planes, stride);
      m->add("layer" + std::to_string(stage + 1) + "_" + std::to_string(j), BlockKind::kResidual,
             b);
      in = planes * expansion;
    }
  }
  m->add("avgpool", BlockKind::kPool,
         sequential_block(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1})), Flatten()));
  m->add("fc", BlockKind::kClassifier, sequential_block(nn::Linear(in, o.num_classes)));
  m->set_default_freeze(freeze);
  return m;
}

}  // namespace

// ResNet-18: 12 blocks; frozen through layer4_0 (as the reference system's 11 of 14), so
// layer4_1, avgpool and fc train.
BlockModel build_resnet18(const ModelOptions& o) {
  return build_resnet("resnet18", o, false, {2, 2, 2, 2}, 9);
}

// ResNet-50: 20 blocks; everything but the classifier frozen (reference system: 21 of 22).
BlockModel build_resnet50(const ModelOptions& o) {
  return build_resnet("resnet50", o, true, {3, 4, 6, 3}, 19);
}

}  // namespace tiersplit::models
