// test_memory_model.cpp: a block's inference memory as the pushdown server's admission counts it
// (b x the per-sample peak of the zoo's metadata) covers what the block really peaks at.
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest

#include "models/block_metadata.hpp"
#include "models/memory_tracker.hpp"
#include "models/zoo.hpp"

namespace models = tiersplit::models;

TEST_CASE("block memory: b x the per-sample peak covers VGG-11's first blocks at 224 px, b = 8") {
  auto m = models::build_model("vgg11", {5, 224});
  m->eval();
  torch::NoGradGuard no_grad;
  models::ModelMetadata meta = models::compute_metadata(m, true);
  torch::Tensor x = torch::rand({8, 3, 224, 224});
  for (int64_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    int64_t measured = 0;
    torch::Tensor y;
    {
      models::MemoryTracker tracker;
      y = m->block(i).forward(x);
      measured = x.nbytes() + tracker.peak_bytes();
    }
    const int64_t counted = 8 * meta.blocks[i].peak_activation_bytes_per_sample;
    CHECK(counted >= measured * 0.95);  // admission reserves what the block needs
    CHECK(counted <= measured * 1.5);   // and not far more
    x = y;
  }
}
