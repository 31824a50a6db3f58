// test_derive.cpp: roofline scaling of a measured profile to analytic devices.
#include <doctest/doctest.h>

#include "common/error.hpp"
#include "profile_fixture.hpp"
#include "profiles/derive.hpp"

using namespace tiersplit;
using namespace tiersplit::profiles;

namespace {
Device device(double flops, double bw, double overhead = 0) {
  Device d;
  d.name = "test-gpu";
  d.kind = "gpu";
  d.peak_flops = flops;
  d.memory_bandwidth = bw;
  d.memory_bytes = 16e9;
  d.efficiency = 1.0;
  d.per_block_overhead_s = overhead;
  return d;
}
}  // namespace

TEST_CASE("compute-bound blocks scale with peak FLOP/s, memory-bound ones with bandwidth") {
  Profile p = testing::toy_profile();  // source: 100 GFLOP/s, 10 GB/s
  Profile fast_flops = derive_profile(p, device(1000e9, 10e9));
  // conv: 1 GFLOP/sample vs ~77 KB/sample: compute-bound on both -> 10x faster.
  CHECK(fast_flops.blocks[0].forward[2].median_s ==
        doctest::Approx(p.blocks[0].forward[2].median_s / 10));
  // pool: no FLOPs, memory-bound on both -> unchanged at the same bandwidth.
  CHECK(fast_flops.blocks[1].forward[2].median_s ==
        doctest::Approx(p.blocks[1].forward[2].median_s));
  Profile fast_mem = derive_profile(p, device(100e9, 40e9));
  CHECK(fast_mem.blocks[1].forward[0].median_s ==
        doctest::Approx(p.blocks[1].forward[0].median_s / 4));
  CHECK(fast_mem.blocks[0].forward[0].median_s == doctest::Approx(p.blocks[0].forward[0].median_s));
  CHECK(fast_mem.device.kind == "derived");
  CHECK(fast_mem.device.name == "test-gpu");
  CHECK(fast_mem.device.derived_from.find("this-machine") == 0);
  // Static metadata is unchanged; training times are scaled too.
  CHECK(fast_flops.blocks[2].flops_per_sample == p.blocks[2].flops_per_sample);
  CHECK(fast_flops.blocks[2].train.size() == p.blocks[2].train.size());
}

TEST_CASE("per-block overhead is added to every call") {
  Profile p = testing::toy_profile();
  Profile d = derive_profile(p, device(100e9, 10e9, 50e-6));
  for (std::size_t i = 0; i < p.blocks.size(); ++i) {
    CHECK(d.blocks[i].forward[0].median_s ==
          doctest::Approx(p.blocks[i].forward[0].median_s + 50e-6));
    CHECK(d.blocks[i].forward_fit.alpha_s >= 50e-6 * 0.99);
  }
}

TEST_CASE("derived profiles cannot be derived again, shipped devices load") {
  Profile p = testing::toy_profile();
  Profile d = derive_profile(p, device(1e12, 1e11));
  CHECK_THROWS_AS(derive_profile(d, device(1e12, 1e11)), Error);
  auto names = shipped_devices();
  CHECK(names.size() >= 4);
  for (const auto& n : names) {
    Device dev = find_device(n);
    CHECK(dev.name == n);
    CHECK(dev.peak_flops > 0);
    CHECK(dev.memory_bytes > 0);
  }
  std::string msg;
  try {
    find_device("nvidia-t5");
  } catch (const Error& e) {
    msg = e.what();
  }
  CHECK(msg.find("unknown device 'nvidia-t5', did you mean 'nvidia-t4'?") == 0);
}

TEST_CASE("device files are validated with JSON paths") {
  auto parse = [](const std::string& text) {
    try {
      device_from_json(parse_json_text(text, "d.json"));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string base = R"("format": "tiersplit-device", "version": 1, "name": "x", "kind": "gpu",
                        "memory_bandwidth": "300GBps", "memory": "16GiB")";
  CHECK(parse("{" + base + R"(, "peak_flops": "8TFLOP"})").find("d.json: /peak_flops:") == 0);
  CHECK(parse("{" + base + R"(, "peak_flops": 8e12})").find("has no unit") != std::string::npos);
  CHECK(parse("{" + base + R"(, "peak_flops": "8TFLOPS", "efficency": 0.5})")
            .find("did you mean 'efficiency'") != std::string::npos);
}
