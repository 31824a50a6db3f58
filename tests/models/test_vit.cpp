// test_vit.cpp: ViT-B/16 blocks behave like torchvision's (embedding, encoder vs torch MHA, norm).
#include <map>
#include <string>

#include "models/zoo.hpp"
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest

namespace models = tiersplit::models;

namespace {

std::map<std::string, torch::Tensor> params_of(models::BlockImpl& block) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : block.named_parameters()) out[p.key()] = p.value();
  return out;
}

}  // namespace

TEST_CASE("vit embed registers the class token and a resolution-sized position embedding") {
  torch::manual_seed(0);
  for (int64_t r : {32, 224}) {
    INFO("resolution ", r);
    models::BlockModel m = models::build_model("vit_b_16", {10, r});
    auto p = params_of(m->block(0));
    REQUIRE(p.count("class_token") == 1);
    REQUIRE(p.count("pos_embedding") == 1);
    CHECK(p["class_token"].sizes() == torch::IntArrayRef({1, 1, 768}));
    CHECK(p["pos_embedding"].sizes() == torch::IntArrayRef({1, (r / 16) * (r / 16) + 1, 768}));
    CHECK(p["conv_proj.weight"].sizes() == torch::IntArrayRef({768, 3, 16, 16}));
    CHECK(p["class_token"].requires_grad());
  }
}

TEST_CASE("vit embed puts the class token first and adds the position embedding") {
  torch::manual_seed(0);
  torch::NoGradGuard no_grad;
  models::BlockModel m = models::build_model("vit_b_16", {10, 32});
  m->eval();
  auto p = params_of(m->block(0));
  p["class_token"].normal_();
  torch::Tensor x = torch::randn({2, 3, 32, 32});
  torch::Tensor y = m->block(0).forward(x);
  // Token 0 is class_token + pos_embedding[0] for every sample.
  torch::Tensor cls = (p["class_token"] + p["pos_embedding"].narrow(1, 0, 1)).squeeze(1);
  CHECK(torch::allclose(y.select(1, 0), cls.expand({2, 768}), 1e-5, 1e-6));
  // Token 1 is the top-left patch: conv_proj weight . patch + bias, plus pos_embedding[1].
  torch::Tensor patch = x.narrow(2, 0, 16).narrow(3, 0, 16).flatten(1);  // [2, 768]
  torch::Tensor expected =
      torch::linear(patch, p["conv_proj.weight"].flatten(1), p["conv_proj.bias"]) +
      p["pos_embedding"].select(1, 1);
  CHECK(torch::allclose(y.select(1, 1), expected, 1e-4, 1e-5));
  // An input of another resolution is refused.
  CHECK_THROWS(m->block(0).forward(torch::randn({2, 3, 48, 48})));
}

TEST_CASE("vit encoder block equals LayerNorm + torch MultiheadAttention + GELU MLP") {
  torch::manual_seed(0);
  torch::NoGradGuard no_grad;
  models::BlockModel m = models::build_model("vit_b_16", {10, 32});
  m->eval();
  models::BlockImpl& enc = m->block(1);
  auto p = params_of(enc);
  for (auto& kv : p) kv.second.normal_(0.0, 0.05);  // non-trivial norms and biases too

  // torch's MultiheadAttention has the same parameters: in_proj (3D x D) and out_proj.
  torch::nn::MultiheadAttention mha(torch::nn::MultiheadAttentionOptions(768, 12));
  mha->eval();
  mha->in_proj_weight.copy_(p.at("in_proj.weight"));
  mha->in_proj_bias.copy_(p.at("in_proj.bias"));
  mha->out_proj->weight.copy_(p.at("out_proj.weight"));
  mha->out_proj->bias.copy_(p.at("out_proj.bias"));

  const int64_t L = 7;
  torch::Tensor x = torch::randn({2, L, 768});
  auto ln = [&](const torch::Tensor& t, const std::string& name) {
    return torch::layer_norm(t, {768}, p.at(name + ".weight"), p.at(name + ".bias"), 1e-6);
  };
  torch::Tensor h = ln(x, "ln_1").transpose(0, 1);  // MHA wants [L, N, D]
  torch::Tensor attn = std::get<0>(mha->forward(h, h, h)).transpose(0, 1);
  torch::Tensor ref = x + attn;
  torch::Tensor mlp =
      torch::gelu(torch::linear(ln(ref, "ln_2"), p.at("mlp_1.weight"), p.at("mlp_1.bias")));
  ref = ref + torch::linear(mlp, p.at("mlp_2.weight"), p.at("mlp_2.bias"));

  torch::Tensor y = enc.forward(x);
  CHECK(y.sizes() == x.sizes());
  CHECK(torch::allclose(y, ref, 1e-4, 1e-5));
  // Parameter count of one block: 2 LayerNorms, in_proj, out_proj, MLP.
  CHECK(m->block_parameter_count(1) == 2 * 2 * 768 + (768 * 2304 + 2304) + (768 * 768 + 768) +
                                           (768 * 3072 + 3072) + (3072 * 768 + 768));
}

TEST_CASE("vit norm block normalises and takes the class token") {
  torch::manual_seed(0);
  torch::NoGradGuard no_grad;
  models::BlockModel m = models::build_model("vit_b_16", {10, 32});
  m->eval();
  torch::Tensor x = torch::randn({2, 5, 768});
  torch::Tensor y = m->block(13).forward(x);
  auto p = params_of(m->block(13));
  torch::Tensor ref =
      torch::layer_norm(x, {768}, p.at("ln.weight"), p.at("ln.bias"), 1e-6).select(1, 0);
  CHECK(torch::allclose(y, ref, 1e-5, 1e-6));
}
