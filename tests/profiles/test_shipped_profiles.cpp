// test_shipped_profiles.cpp: the measured profiles in profiles/data load and agree with the zoo.
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest

#include <filesystem>

#include "common/error.hpp"
#include "models/block_metadata.hpp"
#include "models/zoo.hpp"
#include "profiles/derive.hpp"

using namespace tiersplit;

TEST_CASE("every zoo model ships a measured profile at 224 and 64") {
  for (const auto& name : models::zoo_names()) {
    for (int64_t res : {224, 64}) {
      INFO(name << " at " << res);
      std::string file = profiles::find_shipped_profile(name, res);
      REQUIRE(!file.empty());
      profiles::Profile p = profiles::load_profile(file);
      CHECK(p.model == name);
      CHECK(p.resolution == res);
      CHECK(p.device.kind == "measured");
      CHECK(p.batch_sizes.front() == 1);
      for (const auto& b : p.blocks) {
        CHECK(b.forward.size() == p.batch_sizes.size());
        CHECK(b.train.empty() == (b.index < p.freeze_index));
        CHECK(b.forward_time(p.batch_sizes.back()) > 0);
      }
    }
  }
}

TEST_CASE("shipped static metadata at 64 px matches what the zoo computes now") {
  // Guards against a model change that leaves the shipped profiles stale.
  torch::set_num_threads(2);
  for (const auto& name : models::zoo_names()) {
    INFO(name);
    profiles::Profile p = profiles::load_profile(profiles::shipped_profile_path(name, 64));
    models::BlockModel m = models::build_model(name, {p.num_classes, 64});
    models::ModelMetadata meta = models::compute_metadata(m, /*with_memory=*/false);
    REQUIRE(meta.blocks.size() == p.blocks.size());
    CHECK(p.freeze_index == m->default_freeze());
    for (std::size_t i = 0; i < p.blocks.size(); ++i) {
      CHECK(p.blocks[i].name == meta.blocks[i].name);
      CHECK(p.blocks[i].output_shape == meta.blocks[i].output_shape);
      CHECK(p.blocks[i].parameters == meta.blocks[i].parameters);
      CHECK(p.blocks[i].flops_per_sample == meta.blocks[i].flops_per_sample);
    }
  }
}

TEST_CASE("a profile that is not shipped names what is") {
  std::string msg;
  try {
    profiles::shipped_profile_path("resnet18", 96);
  } catch (const Error& e) {
    msg = e.what();
  }
  CHECK(msg.find("no shipped profile for model 'resnet18' at resolution 96") == 0);
  CHECK(msg.find("resnet18-r64") != std::string::npos);
  CHECK(msg.find("tiersplit profile --model resnet18 --input 96") != std::string::npos);
}

TEST_CASE("a model name too long for a file name is simply not shipped (fuzzing)") {
  const std::string name(400, 'x');
  std::string msg;
  try {
    profiles::shipped_profile_path(name, 64);
  } catch (const Error& e) {
    msg = e.what();
  }
  CHECK(msg.find("no shipped profile for model 'xxx") == 0);
}
