// profile_fixture.hpp: a small hand-built profile with known numbers, for format and derive tests.
#pragma once

#include "profiles/profile.hpp"

namespace tiersplit::testing {

/// Three blocks: a compute-heavy conv (1 GFLOP/sample), a memory-bound pool, a small classifier
/// (trainable, freeze index 2). Times are exact lines t(b) = alpha + beta b.
inline profiles::Profile toy_profile() {
  using namespace profiles;
  Profile p;
  p.model = "toy";
  p.resolution = 32;
  p.num_classes = 10;
  p.freeze_index = 2;
  p.input_shape = {3, 32, 32};
  p.input_bytes_per_sample = 3 * 32 * 32 * 4;
  p.batch_sizes = {1, 2, 4};
  p.device.name = "this-machine";
  p.device.cpu_model = "test cpu";
  p.device.peak_flops = 100e9;
  p.device.memory_bandwidth = 10e9;
  p.device.date = "2026-01-01T00:00:00Z";
  struct Spec {
    const char* name;
    const char* kind;
    int64_t out_bytes, params, flops;
    double alpha, beta;
  };
  Spec specs[] = {{"conv", "conv", 65536, 1000, 1000000000, 1e-4, 2e-2},
                  {"pool", "pool", 16384, 0, 0, 1e-5, 1e-5},
                  {"fc", "classifier", 40, 41000, 82000, 2e-5, 1e-6}};
  for (int i = 0; i < 3; ++i) {
    BlockProfile b;
    b.index = i;
    b.name = specs[i].name;
    b.kind = specs[i].kind;
    b.output_shape = {specs[i].out_bytes / 4};
    b.output_bytes_per_sample = specs[i].out_bytes;
    b.parameters = specs[i].params;
    b.parameter_bytes = specs[i].params * 4;
    b.flops_per_sample = specs[i].flops;
    b.peak_activation_bytes_per_sample = 2 * specs[i].out_bytes;
    for (int64_t batch : p.batch_sizes) {
      b.forward.push_back({batch, specs[i].alpha + specs[i].beta * batch, 0.01, 5});
    }
    b.forward_fit = fit_time_model(b.forward);
    if (i >= p.freeze_index) {
      for (int64_t batch : p.batch_sizes) {
        b.train.push_back({batch, 3 * (specs[i].alpha + specs[i].beta * batch), 0.02, 5});
      }
      b.train_fit = fit_time_model(b.train);
    }
    p.blocks.push_back(b);
  }
  return p;
}

}  // namespace tiersplit::testing
