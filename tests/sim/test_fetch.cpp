// test_fetch.cpp: what validation needed from the simulator — one message per iteration
// (chunks 1), serial fetch (one request in flight per tenant) and per-tier profiles.
#include <doctest/doctest.h>

#include "common/error.hpp"
#include "sim/study.hpp"
#include "sim_fixtures.hpp"

using namespace tiersplit;
using simtest::json;

namespace {

/// A toy whose compute side is small: blocks 1, 2 forward 0.1 ms/sample, block 3 trains 0.1 ms.
simtest::ToySpec light_compute() {
  simtest::ToySpec spec;
  spec.forward_beta[1] = spec.forward_beta[2] = 1e-4;
  spec.train_beta = 1e-4;
  return spec;
}

sim::TenantResult simulate(const json& scenario, const simtest::ToySpec& spec,
                           const simtest::ToySpec* storage_spec = nullptr) {
  sim::Study st;
  {
    simtest::TempDir dir;
    if (storage_spec) {
      profiles::Profile p = simtest::toy_profile(*storage_spec);
      profiles::save_profile(dir.file("toy-storage.json"), p);
    }
    sim::Scenario sc = sim::load_scenario(simtest::write_toy(dir, scenario, spec));
    sim::ProfileCache cache;
    st = sim::prepare_study(sc, cache);
  }
  auto rows = simtest::simulate_rows(st, {0});
  REQUIRE(!rows.empty());
  return rows.front();
}

/// Split 1 (200 kB per sample), b = 16, B = 64, 1 Gbps: storage 6.4 ms read + 128 ms block 0,
/// network 50 us + 102.4 ms, compute 12.8 + 6.4 ms.
json split1(const char* fetch, int chunks) {
  json j = simtest::toy_scenario();
  j["workload"]["tenants"][0]["split"] = 1;
  j["simulation"]["chunks"] = chunks;
  j["simulation"]["fetch"] = fetch;
  return j;
}

}  // namespace

TEST_CASE("model: one message per iteration (chunks 1) carries every sample") {
  sim::TenantResult r = simulate(split1("pipelined", 1), light_compute());
  CHECK(r.bytes_per_iteration == 64.0 * 200000.0);
  CHECK(r.job_bytes == 40 * 64.0 * 200000.0);
}

TEST_CASE("model: serial fetch adds storage and network, pipelined overlaps them") {
  const double storage = 0.0064 + 0.128, network = 50e-6 + 64 * 200000.0 / 125e6;
  sim::TenantResult pipelined = simulate(split1("pipelined", 1), light_compute());
  sim::TenantResult serial = simulate(split1("serial", 1), light_compute());
  CHECK(pipelined.iteration_s == doctest::Approx(storage).epsilon(1e-3));
  CHECK(serial.iteration_s == doctest::Approx(storage + network).epsilon(1e-3));
  // The closed form knows the difference too.
  CHECK(serial.closed_form_iteration_s == doctest::Approx(serial.iteration_s).epsilon(0.01));
  CHECK(pipelined.closed_form_iteration_s == doctest::Approx(pipelined.iteration_s).epsilon(0.01));
  // Bytes do not depend on how they are fetched.
  CHECK(serial.bytes_per_iteration == pipelined.bytes_per_iteration);
}

TEST_CASE("scenario: per-tier profiles — the storage side uses storage_profile") {
  json j = split1("serial", 1);
  simtest::ToySpec slow = light_compute();
  slow.forward_beta[0] = 4e-3;  // block 0 twice as slow on the storage side
  sim::TenantResult same = simulate(j, light_compute());
  j["workload"]["tenants"][0]["storage_profile"] = "toy-storage.json";
  sim::TenantResult split_profiles = simulate(j, light_compute(), &slow);
  CHECK(split_profiles.iteration_s - same.iteration_s == doctest::Approx(0.128).epsilon(1e-3));
  CHECK(split_profiles.compute_busy * split_profiles.iteration_s ==
        doctest::Approx(same.compute_busy * same.iteration_s).epsilon(1e-6));

  SUBCASE("profiles of different models are refused, naming both files") {
    simtest::TempDir dir;
    profiles::Profile other = simtest::toy_profile(light_compute());
    other.model = "other";
    profiles::save_profile(dir.file("toy-storage.json"), other);
    sim::Scenario sc = sim::load_scenario(simtest::write_toy(dir, j, light_compute()));
    sim::ProfileCache cache;
    CHECK_THROWS_WITH_AS(sim::prepare_study(sc, cache), doctest::Contains("not of the same model"),
                         tiersplit::Error);
  }
}

TEST_CASE("scenario: /simulation/fetch is pipelined or serial") {
  simtest::TempDir dir;
  json j = split1("both", 1);
  CHECK_THROWS_WITH_AS(sim::load_scenario(simtest::write_toy(dir, j)),
                       doctest::Contains("/simulation/fetch"), tiersplit::Error);
}
