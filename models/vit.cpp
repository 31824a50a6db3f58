// vit.cpp: ViT-B/16 (torchvision layout) as blocks: embedding, 12 encoder blocks, norm, head.
#include <cmath>

#include "models/flop_counter.hpp"
#include "models/zoo.hpp"

namespace tiersplit::models {
namespace {

namespace nn = torch::nn;

constexpr int64_t kPatch = 16;
constexpr int64_t kHidden = 768;
constexpr int64_t kHeads = 12;
constexpr int64_t kMlp = 3072;
constexpr int64_t kLayers = 12;
constexpr double kLayerNormEps = 1e-6;
constexpr double kDropout = 0.0;  // torchvision's default for ViT-B/16

nn::LayerNorm layer_norm() {
  return nn::LayerNorm(nn::LayerNormOptions({kHidden}).eps(kLayerNormEps));
}

/// Patch projection (16x16 conv, stride 16), flatten to tokens, prepend the class token, add the
/// position embedding: [N, 3, R, R] -> [N, (R/16)^2 + 1, 768].
class EmbeddingImpl : public BlockImpl {
 public:
  explicit EmbeddingImpl(int64_t resolution)
      : resolution_(resolution),
        conv_proj_(register_module(
            "conv_proj", nn::Conv2d(nn::Conv2dOptions(3, kHidden, kPatch).stride(kPatch)))),
        class_token_(register_parameter("class_token", torch::zeros({1, 1, kHidden}))),
        pos_embedding_(register_parameter(
            "pos_embedding",
            torch::randn({1, (resolution / kPatch) * (resolution / kPatch) + 1, kHidden}) * 0.02)),
        dropout_(register_module("dropout", nn::Dropout(kDropout))) {}

  torch::Tensor forward(torch::Tensor x) override {
    TORCH_CHECK(x.dim() == 4 && x.size(2) == resolution_ && x.size(3) == resolution_,
                "vit_b_16 was built for ", resolution_, "x", resolution_, " inputs, got ",
                x.sizes());
    const int64_t n = x.size(0);
    torch::Tensor tokens = conv(conv_proj_, x).flatten(2).transpose(1, 2);  // [N, patches, 768]
    tokens = torch::cat({class_token_.expand({n, -1, -1}), tokens}, 1);
    return dropout_->forward(tokens + pos_embedding_);
  }

 private:
  int64_t resolution_;
  nn::Conv2d conv_proj_;
  torch::Tensor class_token_;
  torch::Tensor pos_embedding_;
  nn::Dropout dropout_;
};

/// Pre-norm encoder block: x + attention(LN(x)), then x + MLP(LN(x)). Attention uses one
/// Linear(768, 3*768) for q, k, v and a Linear(768, 768) output projection, so its parameters
/// match torch's MultiheadAttention (in_proj, out_proj).
class EncoderBlockImpl : public BlockImpl {
 public:
  EncoderBlockImpl()
      : ln_1_(register_module("ln_1", layer_norm())),
        in_proj_(register_module("in_proj", nn::Linear(kHidden, 3 * kHidden))),
        out_proj_(register_module("out_proj", nn::Linear(kHidden, kHidden))),
        dropout_(register_module("dropout", nn::Dropout(kDropout))),
        ln_2_(register_module("ln_2", layer_norm())),
        mlp_1_(register_module("mlp_1", nn::Linear(kHidden, kMlp))),
        mlp_2_(register_module("mlp_2", nn::Linear(kMlp, kHidden))),
        mlp_dropout_(register_module("mlp_dropout", nn::Dropout(kDropout))) {}

  torch::Tensor forward(torch::Tensor x) override {
    x = x + dropout_->forward(attention(ln_1_->forward(x)));
    torch::Tensor y = torch::gelu(linear(mlp_1_, ln_2_->forward(x)));
    y = mlp_dropout_->forward(linear(mlp_2_, mlp_dropout_->forward(y)));
    return x + y;
  }

 private:
  /// Multi-head scaled dot-product self-attention on [N, L, 768].
  torch::Tensor attention(const torch::Tensor& x) {
    const int64_t n = x.size(0), len = x.size(1), head_dim = kHidden / kHeads;
    // [N, L, 3, heads, head_dim] -> [3, N, heads, L, head_dim]
    torch::Tensor qkv =
        linear(in_proj_, x).reshape({n, len, 3, kHeads, head_dim}).permute({2, 0, 3, 1, 4});
    torch::Tensor q = qkv[0] * (1.0 / std::sqrt(static_cast<double>(head_dim)));
    torch::Tensor weights = torch::softmax(models::matmul(q, qkv[1].transpose(-2, -1)), -1);
    torch::Tensor ctx = models::matmul(weights, qkv[2]);  // [N, heads, L, head_dim]
    return linear(out_proj_, ctx.transpose(1, 2).reshape({n, len, kHidden}));
  }

  nn::LayerNorm ln_1_;
  nn::Linear in_proj_;
  nn::Linear out_proj_;
  nn::Dropout dropout_;
  nn::LayerNorm ln_2_;
  nn::Linear mlp_1_;
  nn::Linear mlp_2_;
  nn::Dropout mlp_dropout_;
};

/// Final LayerNorm, then the class token: [N, L, 768] -> [N, 768].
class NormTokenImpl : public BlockImpl {
 public:
  NormTokenImpl() : ln_(register_module("ln", layer_norm())) {}
  torch::Tensor forward(torch::Tensor x) override { return ln_->forward(x).select(1, 0); }

 private:
  nn::LayerNorm ln_;
};

}  // namespace

// ViT-B/16: 15 blocks (embed, enc0..enc11, norm, head); enc10, enc11, norm and head train.
BlockModel build_vit_b16(const ModelOptions& o) {
  BlockModel m("vit_b_16", o);
  m->add("embed", BlockKind::kEmbedding, std::make_shared<EmbeddingImpl>(o.resolution));
  for (int64_t i = 0; i < kLayers; ++i) {
    m->add("enc" + std::to_string(i), BlockKind::kTransformer,
           std::make_shared<EncoderBlockImpl>());
  }
  m->add("norm", BlockKind::kNorm, std::make_shared<NormTokenImpl>());
  m->add("head", BlockKind::kClassifier, sequential_block(nn::Linear(kHidden, o.num_classes)));
  m->set_default_freeze(11);
  return m;
}

}  // namespace tiersplit::models
