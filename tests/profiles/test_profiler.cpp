// test_profiler.cpp: measured profiles are complete and consistent (no timing thresholds).

#include "common/error.hpp"
#include "models/block_metadata.hpp"
#include "models/memory_tracker.hpp"
#include "models/zoo.hpp"
#include "profiles/profiler.hpp"
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest

using namespace tiersplit;
using namespace tiersplit::profiles;

namespace {
ProfileRequest quick_request(const std::string& model, int64_t resolution) {
  ProfileRequest r;
  r.model = model;
  r.resolution = resolution;
  r.num_classes = 10;
  r.batch_sizes = {1, 3};
  r.settings.warmup = 0;
  r.settings.min_repeats = 1;
  r.settings.max_repeats = 2;
  r.progress = false;
  return r;
}

std::string error_of(const ProfileRequest& r) {
  try {
    validate_request(r);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("a measured profile covers every block, batch and trainable block") {
  Profile p = measure_profile(quick_request("resnet18", 32));
  models::BlockModel m = models::build_model("resnet18", {10, 32});
  models::ModelMetadata meta = models::compute_metadata(m);
  REQUIRE(p.num_blocks() == m->size());
  CHECK(p.freeze_index == m->default_freeze());
  CHECK(p.device.kind == "measured");
  CHECK(p.device.peak_flops > 0);
  CHECK(p.device.memory_bandwidth > 0);
  CHECK(p.device.libtorch_version.rfind("1.", 0) == 0);
  CHECK(p.input_bytes_per_sample == 3 * 32 * 32 * 4);
  for (const auto& b : p.blocks) {
    INFO("block " << b.name);
    REQUIRE(b.forward.size() == 2);
    CHECK(b.forward[0].batch == 1);
    CHECK(b.forward[1].batch == 3);
    for (const auto& pt : b.forward) {
      CHECK(pt.median_s > 0);
      CHECK(pt.repeats >= 1);
      CHECK(pt.spread >= 0);
    }
    CHECK(b.forward_fit.alpha_s >= 0);
    CHECK(b.forward_fit.beta_s_per_sample >= 0);
    CHECK(b.forward_time(3) > 0);
    // Trainable blocks are trained at every batch size except 1 when they hold batch norm.
    if (b.index < p.freeze_index)
      CHECK(b.train.empty());
    else
      CHECK(b.train.size() >= 1);
    if (!b.train.empty()) CHECK(b.train.back().batch == 3);
    // Static metadata equals what the model zoo computes.
    const auto& mb = meta.blocks[b.index];
    CHECK(b.name == mb.name);
    CHECK(b.output_shape == mb.output_shape);
    CHECK(b.flops_per_sample == mb.flops_per_sample);
    CHECK(b.parameters == mb.parameters);
  }
  CHECK(p.split_bytes_per_sample(p.num_blocks()) == 10 * 4);
}

TEST_CASE("freeze index and no-train options shape the training measurements") {
  ProfileRequest r = quick_request("mobilenet_v2", 32);
  r.freeze_index = 19;
  r.batch_sizes = {2};
  Profile p = measure_profile(r);
  CHECK(p.freeze_index == 19);
  for (const auto& b : p.blocks) CHECK(b.train.empty() == (b.index < 19));
  r.measure_train = false;
  Profile q = measure_profile(r);
  for (const auto& b : q.blocks) CHECK(b.train.empty());
}

TEST_CASE("bad profile requests name the value") {
  ProfileRequest r = quick_request("resnet18", 32);
  r.batch_sizes = {0};
  CHECK(error_of(r) == "--batch: batch size 0 must be at least 1");
  r.batch_sizes = {4, 2};
  CHECK(error_of(r) == "--batch: batch sizes must be strictly increasing (4 then 2)");
  r.batch_sizes = {1};
  CHECK(error_of(r).find("need a batch size of at least 2") != std::string::npos);
  r.measure_train = false;
  CHECK(error_of(r) == "no error");
  r = quick_request("resnet", 32);
  CHECK(error_of(r).find("unknown model 'resnet'") == 0);
  r = quick_request("vit_b_16", 40);
  CHECK(error_of(r).find("must be a multiple of 16") != std::string::npos);
  r = quick_request("alexnet", 32);
  CHECK(error_of(r).find("below the smallest it accepts (63)") != std::string::npos);
  r = quick_request("resnet18", 32);
  r.threads = 0;
  CHECK(error_of(r) == "--threads 0 must be in [1,1024]");
  r = quick_request("resnet18", 32);
  r.freeze_index = 99;
  CHECK_THROWS_AS(measure_profile(r), Error);
}

TEST_CASE("memory tracker sees tensor allocations and per-sample peaks grow with the block") {
  models::MemoryTracker t;
  int64_t before = models::MemoryTracker::live_bytes();
  {
    torch::Tensor a = torch::empty({1024, 256});  // 1 MiB
    CHECK(models::MemoryTracker::live_bytes() - before >= 1024 * 256 * 4);
  }
  CHECK(t.peak_bytes() >= 1024 * 256 * 4);
  CHECK(models::MemoryTracker::live_bytes() == before);
  // A stem convolution's per-sample peak holds at least its input and output.
  models::BlockModel m = models::build_model("resnet18", {10, 64});
  models::ModelMetadata meta = models::compute_metadata(m);
  const auto& stem = meta.blocks[0];
  CHECK(stem.peak_activation_bytes_per_sample >=
        meta.input_bytes_per_sample + stem.output_bytes_per_sample);
  CHECK(stem.peak_activation_bytes_per_sample <
        8 * (meta.input_bytes_per_sample + stem.output_bytes_per_sample));
}
