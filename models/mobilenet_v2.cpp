// mobilenet_v2.cpp: MobileNetV2 width 1.0 (torchvision layout), one block per inverted residual.
#include "models/flop_counter.hpp"
#include "models/zoo.hpp"

namespace tiersplit::models {
namespace {

namespace nn = torch::nn;

nn::Conv2d conv_nobias(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t groups) {
  return nn::Conv2d(
      nn::Conv2dOptions(in, out, k).stride(stride).padding((k - 1) / 2).groups(groups).bias(false));
}

/// torchvision's Conv2dNormActivation with ReLU6, as a whole block (stem and head).
std::shared_ptr<BlockImpl> conv_bn_relu6(int64_t in, int64_t out, int64_t k, int64_t stride) {
  return sequential_block(conv_nobias(in, out, k, stride, 1), nn::BatchNorm2d(out), nn::ReLU6());
}

/// [1x1 expand - BN - ReLU6] - 3x3 depthwise - BN - ReLU6 - 1x1 project - BN, plus the input
/// when the stride is 1 and the channel count is unchanged.
class InvertedResidualImpl : public BlockImpl {
 public:
  InvertedResidualImpl(int64_t in, int64_t out, int64_t stride, int64_t expand_ratio)
      : use_residual_(stride == 1 && in == out) {
    const int64_t hidden = in * expand_ratio;
    if (expand_ratio != 1) {
      expand_ = register_module("expand", conv_nobias(in, hidden, 1, 1, 1));
      expand_bn_ = register_module("expand_bn", nn::BatchNorm2d(hidden));
    }
    depthwise_ = register_module("depthwise", conv_nobias(hidden, hidden, 3, stride, hidden));
    depthwise_bn_ = register_module("depthwise_bn", nn::BatchNorm2d(hidden));
    project_ = register_module("project", conv_nobias(hidden, out, 1, 1, 1));
    project_bn_ = register_module("project_bn", nn::BatchNorm2d(out));
  }

  torch::Tensor forward(torch::Tensor x) override {
    torch::Tensor y = x;
    if (expand_) y = torch::relu6(expand_bn_->forward(conv(expand_, y)));
    y = torch::relu6(depthwise_bn_->forward(conv(depthwise_, y)));
    y = project_bn_->forward(conv(project_, y));
    return use_residual_ ? x + y : y;
  }

 private:
  bool use_residual_;
  nn::Conv2d expand_{nullptr};
  nn::BatchNorm2d expand_bn_{nullptr};
  nn::Conv2d depthwise_{nullptr};
  nn::BatchNorm2d depthwise_bn_{nullptr};
  nn::Conv2d project_{nullptr};
  nn::BatchNorm2d project_bn_{nullptr};
};

/// A row of torchvision's inverted residual setting: expansion t, channels c, repeats n, stride s.
struct StageConfig {
  int64_t t, c, n, s;
};

}  // namespace

// MobileNetV2: 21 blocks (stem, ir1..ir17, head, avgpool, classifier); head, avgpool and
// classifier train.
BlockModel build_mobilenet_v2(const ModelOptions& o) {
  // Width multiplier 1.0: every channel count is already a multiple of 8, so no rounding.
  static const StageConfig kStages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                        {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  const int64_t last_channel = 1280;
  BlockModel m("mobilenet_v2", o);
  m->add("stem", BlockKind::kStem, conv_bn_relu6(3, 32, 3, 2));
  int64_t in = 32;
  int64_t index = 1;
  for (const StageConfig& st : kStages) {
    for (int64_t i = 0; i < st.n; ++i) {
      m->add("ir" + std::to_string(index++), BlockKind::kInvertedResidual,
             std::make_shared<InvertedResidualImpl>(in, st.c, i == 0 ? st.s : 1, st.t));
      in = st.c;
    }
  }
  m->add("head", BlockKind::kConv, conv_bn_relu6(in, last_channel, 1, 1));
  m->add("avgpool", BlockKind::kPool,
         sequential_block(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1})), Flatten()));
  m->add("classifier", BlockKind::kClassifier,
         sequential_block(nn::Dropout(0.2), nn::Linear(last_channel, o.num_classes)));
  m->set_default_freeze(18);
  return m;
}

}  // namespace tiersplit::models
