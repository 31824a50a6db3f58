// densenet.cpp: DenseNet-121 (torchvision layout) as blocks; each dense block is kept whole.
#include "models/flop_counter.hpp"
#include "models/zoo.hpp"

namespace tiersplit::models {
namespace {

namespace nn = torch::nn;

nn::Conv2d conv_nobias(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(pad).bias(false));
}

/// BN-ReLU-conv1x1 (to bn_size * growth) - BN-ReLU-conv3x3 (to growth) on the concatenated inputs.
class DenseLayerImpl : public nn::Module {
 public:
  DenseLayerImpl(int64_t in, int64_t growth, int64_t bn_size)
      : norm1_(register_module("norm1", nn::BatchNorm2d(in))),
        conv1_(register_module("conv1", conv_nobias(in, bn_size * growth, 1, 1, 0))),
        norm2_(register_module("norm2", nn::BatchNorm2d(bn_size * growth))),
        conv2_(register_module("conv2", conv_nobias(bn_size * growth, growth, 3, 1, 1))) {}

  torch::Tensor forward(const std::vector<torch::Tensor>& features) {
    torch::Tensor y = conv(conv1_, torch::relu(norm1_->forward(torch::cat(features, 1))));
    return conv(conv2_, torch::relu(norm2_->forward(y)));
  }

 private:
  nn::BatchNorm2d norm1_;
  nn::Conv2d conv1_;
  nn::BatchNorm2d norm2_;
  nn::Conv2d conv2_;
};
TORCH_MODULE(DenseLayer);

/// A dense block: every layer sees the concatenation of the block input and all earlier outputs;
/// the block returns the concatenation of all of them (in + layers * growth channels).
class DenseBlockImpl : public BlockImpl {
 public:
  DenseBlockImpl(int64_t layers, int64_t in, int64_t growth, int64_t bn_size) {
    for (int64_t i = 0; i < layers; ++i) {
      layers_.push_back(register_module("denselayer" + std::to_string(i + 1),
                                        DenseLayer(in + i * growth, growth, bn_size)));
    }
  }

  torch::Tensor forward(torch::Tensor x) override {
    std::vector<torch::Tensor> features{x};
    for (auto& layer : layers_) features.push_back(layer->forward(features));
    return torch::cat(features, 1);
  }

 private:
  std::vector<DenseLayer> layers_;
};

/// BN-ReLU-conv1x1-avgpool 2/2 between dense blocks (halves channels and resolution).
std::shared_ptr<BlockImpl> transition(int64_t in, int64_t out) {
  return sequential_block(nn::BatchNorm2d(in), nn::ReLU(), conv_nobias(in, out, 1, 1, 0),
                          nn::AvgPool2d(nn::AvgPool2dOptions(2).stride(2)));
}

}  // namespace

// DenseNet-121: 12 blocks (stem, pool0, 4 dense blocks, 3 transitions, norm5, avgpool,
// classifier); everything but avgpool and the classifier frozen.
BlockModel build_densenet121(const ModelOptions& o) {
  const int64_t growth = 32, bn_size = 4, init_features = 64;
  const std::vector<int64_t> block_config{6, 12, 24, 16};
  BlockModel m("densenet121", o);
  m->add("stem", BlockKind::kStem,
         sequential_block(conv_nobias(3, init_features, 7, 2, 3), nn::BatchNorm2d(init_features),
                          nn::ReLU()));
  m->add("pool0", BlockKind::kPool,
         sequential_block(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1))));
  int64_t features = init_features;
  for (std::size_t i = 0; i < block_config.size(); ++i) {
    const std::string index = std::to_string(i + 1);
    m->add("denseblock" + index, BlockKind::kDense,
           std::make_shared<DenseBlockImpl>(block_config[i], features, growth, bn_size));
    features += block_config[i] * growth;
    if (i + 1 < block_config.size()) {
      m->add("transition" + index, BlockKind::kTransition, transition(features, features / 2));
      features /= 2;
    }
  }
  m->add("norm5", BlockKind::kNorm, sequential_block(nn::BatchNorm2d(features), nn::ReLU()));
  m->add("avgpool", BlockKind::kPool,
         sequential_block(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1})), Flatten()));
  m->add("classifier", BlockKind::kClassifier,
         sequential_block(nn::Linear(features, o.num_classes)));
  m->set_default_freeze(10);
  return m;
}

}  // namespace tiersplit::models
