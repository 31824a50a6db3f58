// test_model.cpp: the SimGrid model against the closed form and known answers (hand-built toy profile).
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "common/epoch_plan.hpp"
#include "sim/closed_form.hpp"
#include "sim/study.hpp"
#include "sim/trace.hpp"
#include "sim_fixtures.hpp"

using namespace tiersplit;
using simtest::json;

namespace {

using simtest::run_first;

json with_tenant(json j, const json& changes) {
  for (auto it = changes.begin(); it != changes.end(); ++it) j["workload"]["tenants"][0][it.key()] = it.value();
  return j;
}

}  // namespace

TEST_CASE("model: one tenant without contention matches the closed form within 1%") {
  struct Case {
    std::string what;
    json tenant;
    const char* bandwidth;
    int prefetch;
    const char* bottleneck;
  };
  std::vector<Case> cases = {
      {"compute-bound", {{"split", 2}, {"storage_batch", 16}}, "1Gbps", 1, "compute"},
      {"storage-bound", {{"split", 3}, {"storage_batch", 16}}, "1Gbps", 1, "storage"},
      {"network-bound", {{"split", 0}, {"storage_batch", 64}}, "100Mbps", 1, "network"},
      {"network-bound, small mini-batches", {{"split", 1}, {"storage_batch", 4}}, "100Mbps", 1, "network"},
      {"no prefetch", {{"split", 2}, {"storage_batch", 8}}, "1Gbps", 0, "compute"},
      {"deep prefetch", {{"split", 3}, {"storage_batch", 64}}, "10Gbps", 3, "storage"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    json j = with_tenant(simtest::toy_scenario(), c.tenant);
    j["platform"]["network"]["bandwidth"] = c.bandwidth;
    j["simulation"]["prefetch_depth"] = c.prefetch;
    sim::TenantResult r = run_first(j);
    CHECK(r.source == "simulation");
    CHECK(r.measured_iterations == 40);
    CHECK(r.iteration_s == doctest::Approx(r.closed_form_iteration_s).epsilon(0.01));
    CHECK(r.job_s == doctest::Approx(r.closed_form_job_s).epsilon(0.01));
    if (c.prefetch > 0) CHECK(r.bottleneck == c.bottleneck);
  }
}

TEST_CASE("model: known answer for a compute-bound tenant") {
  // split 2, B = 64: compute = forward block 2 (1 ms/sample) + train block 3 (3 ms/sample) = 256 ms.
  sim::TenantResult r = run_first(simtest::toy_scenario());
  CHECK(r.iteration_s == doctest::Approx(0.256).epsilon(1e-6));
  // first = read 6.4 ms + 4 mini-batches x 48 ms + last flow (50 us + 800 kB at 1 Gbps) + 256 ms
  CHECK(r.first_iteration_s == doctest::Approx(0.0064 + 0.192 + 50e-6 + 0.0064 + 0.256).epsilon(1e-6));
  CHECK(r.compute_busy == doctest::Approx(1.0).epsilon(1e-6));
  CHECK(r.storage_busy == doctest::Approx(0.1984 / 0.256).epsilon(1e-3));
}

TEST_CASE("model: K identical storage-bound tenants take K times one tenant's iteration") {
  json one = with_tenant(simtest::toy_scenario(), {{"split", 3}, {"storage_batch", 16}});
  double alone = run_first(one).iteration_s;
  for (int k : {2, 3}) {
    CAPTURE(k);
    json j = one;
    for (int i = 1; i < k; ++i) {
      json t = j["workload"]["tenants"][0];
      t["name"] = "t" + std::to_string(i);
      j["workload"]["tenants"].push_back(t);
    }
    sim::TenantResult r = run_first(j);
    CHECK(r.iteration_s == doctest::Approx(k * alone).epsilon(0.02));
    CHECK(r.bottleneck == "storage");
    // The closed form adds the shared demand too.
    CHECK(r.closed_form_iteration_s == doctest::Approx(k * alone).epsilon(0.02));
  }
}

TEST_CASE("model: bytes on the network are exact") {
  // split 2: 64 samples x 50 000 B of activations per iteration.
  sim::TenantResult r = run_first(simtest::toy_scenario());
  CHECK(r.bytes_per_iteration == 64.0 * 50000.0);
  CHECK(r.job_bytes == 40 * 64.0 * 50000.0);
  // split 0: the stored bytes; spread over 3 storage nodes in objects of 5 samples.
  json j = with_tenant(simtest::toy_scenario(), {{"split", 0}, {"storage_batch", 8}});
  j["platform"]["storage"]["nodes"] = 3;
  j["workload"]["tenants"][0]["dataset"]["samples_per_object"] = 5;
  r = run_first(j);
  CHECK(r.bytes_per_iteration == 64.0 * 100000.0);
  CHECK(r.closed_form_iteration_s > 0);
}

TEST_CASE("model: prefetch 0 vs 1 shows the overlap of storage and compute") {
  json j = simtest::toy_scenario();  // S = 198.4 ms, tail 6.45 ms, C = 256 ms
  j["simulation"]["prefetch_depth"] = 0;
  sim::TenantResult serial = run_first(j);
  j["simulation"]["prefetch_depth"] = 1;
  sim::TenantResult overlapped = run_first(j);
  CHECK(serial.iteration_s == doctest::Approx(0.0064 + 0.192 + 50e-6 + 0.0064 + 0.256).epsilon(1e-6));
  CHECK(overlapped.iteration_s == doctest::Approx(0.256).epsilon(1e-6));
  CHECK(overlapped.iteration_s < 0.6 * serial.iteration_s);
}

TEST_CASE("model: a memory-bound storage node makes pushdowns wait, never overrun memory") {
  // One pushdown at split 2, b = 16: weights 3 MB + 16 x 400 kB = 9.4 MB.
  json j = simtest::toy_scenario();
  json t = j["workload"]["tenants"][0];
  t["name"] = "b";
  j["workload"]["tenants"].push_back(t);
  j["platform"]["storage"]["memory"] = "20MB";  // both fit
  sim::TenantResult roomy = run_first(j);
  CHECK(roomy.memory_wait_s == 0);
  CHECK(roomy.peak_storage_memory == doctest::Approx(2 * 9.4e6));

  j["platform"]["storage"]["memory"] = "12MB";  // one at a time
  sim::TenantResult tight = run_first(j);
  CHECK(tight.memory_wait_s > 0);
  CHECK(tight.peak_storage_memory <= 12e6);
  CHECK(tight.peak_storage_memory == doctest::Approx(9.4e6));
  // (No order between the two iteration times: taking turns on the storage node's one slot can
  // even finish each pushdown sooner than sharing it.)

  j["platform"]["storage"]["memory"] = "5MB";  // never fits: infeasible, not a crash or a hang
  sim::TenantResult none = run_first(j);
  CHECK_FALSE(none.feasible);
  CHECK(none.note.find("one pushdown needs") != std::string::npos);
}

TEST_CASE("model: storage nodes share the objects round-robin") {
  json one = with_tenant(simtest::toy_scenario(), {{"split", 3}, {"storage_batch", 16}});
  double alone = run_first(one).iteration_s;
  json two = one;
  two["platform"]["storage"]["nodes"] = 2;
  sim::TenantResult r = run_first(two);
  // Each node computes half the batch (two mini-batches of 16): storage time halves; compute
  // (192 ms) is now the bottleneck.
  CHECK(r.iteration_s < 0.8 * alone);
  CHECK(r.iteration_s == doctest::Approx(r.closed_form_iteration_s).epsilon(0.01));
}

TEST_CASE("model: a configuration's result does not depend on what its worker simulated before") {
  // Two tenants contending for one link and one storage node, the second arriving later, at
  // three bandwidths and every split: configurations whose event orders are sensitive to the
  // last digits of the clock. Simulated in one engine one after another they differed in the
  // fourth digit; in the worker pool every configuration starts from the same engine state.
  json j = with_tenant(simtest::toy_scenario(), {{"split", "search"}});
  j["workload"]["tenants"][0]["iterations"] = 60;
  json second = j["workload"]["tenants"][0];
  second["name"] = "b";
  second["arrival"] = "0.37s";
  second["split"] = 1;
  j["workload"]["tenants"].push_back(second);
  j["search"] = {{"storage_batches", {8, 64}}};
  j["sweep"] = {{"bandwidth", {"100Mbps", "1Gbps", "10Gbps"}}};
  const sim::Study st = simtest::toy_study(j);
  REQUIRE(st.configs.size() >= 12);
  const std::size_t last = st.configs.size() - 1;
  const auto alone = simtest::simulate_rows(st, {last});
  std::vector<std::size_t> all;
  for (std::size_t i = 0; i <= last; ++i) all.push_back(i);
  // One worker, so `last` runs after all the others; the engine's clock restarts at 0 for each
  // configuration, or (TIERSPLIT_NO_CLOCK_RESTART) each runs in a child forked from the worker.
  for (const bool restart : {true, false}) {
    CAPTURE(restart);
    if (!restart) ::setenv("TIERSPLIT_NO_CLOCK_RESTART", "1", 1);
    const auto after_others = simtest::simulate_rows(st, all);
    ::unsetenv("TIERSPLIT_NO_CLOCK_RESTART");
    REQUIRE(!alone.empty());
    std::size_t compared = 0;
    for (const auto& r : after_others) {
      if (r.config != last) continue;
      const auto& a = alone.at(compared++);
      CHECK(r.tenant == a.tenant);
      CHECK(r.iteration_s == a.iteration_s);  // to the bit
      CHECK(r.first_iteration_s == a.first_iteration_s);
      CHECK(r.job_s == a.job_s);
      CHECK(r.bytes_per_iteration == a.bytes_per_iteration);
    }
    CHECK(compared == alone.size());
  }
}

TEST_CASE("model: a sweep plans each epoch of a data set once, not once per configuration") {
  // 32 configurations (every split x 4 storage batches x 2 bandwidths) of one tenant whose
  // measured iterations stay in epoch 0: the study plans that epoch once for all of them, and
  // the closed form of every configuration plans nothing more.
  json j = with_tenant(simtest::toy_scenario(), {{"split", "search"}, {"storage_batch", "search"}});
  j["search"] = {{"storage_batches", {4, 8, 16, 32}}};
  j["sweep"] = {{"bandwidth", {"1Gbps", "10Gbps"}}};
  const int64_t before = epoch_plans_computed();
  const sim::Study st = simtest::toy_study(j);
  REQUIRE(st.configs.size() == 32);
  CHECK(epoch_plans_computed() - before == 1);
  for (std::size_t i = 0; i < st.configs.size(); ++i) sim::closed_form_rows(st, i);
  CHECK(epoch_plans_computed() - before == 1);
}

TEST_CASE("model: the trace has tracks for storage nodes, links and compute nodes") {
  simtest::TempDir dir;
  run_first(simtest::toy_scenario(), dir.file("trace.json"));
  json doc = json::parse(std::ifstream(dir.file("trace.json")));
  std::set<std::string> names;
  int complete = 0;
  for (const auto& e : doc["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "process_name") names.insert(e["args"]["name"].get<std::string>());
    if (e["ph"] == "X") ++complete;
  }
  CHECK(names.count("storage-0") == 1);
  CHECK(names.count("link path-0") == 1);
  CHECK(names.count("compute-0") == 1);
  CHECK(complete > 40 * 3);
}

TEST_CASE("model: batches straddling a shuffled short object cost two requests, as the trainer's") {
  // 420 samples in objects of 32 (the last holds 4), B = 32, s = 0: each object request costs
  // 500 ms (the toy's step at B = 32 takes 224 ms), so the storage node is the bottleneck and
  // every extra request shows.
  json j =
      with_tenant(simtest::toy_scenario(),
                  {{"split", 0}, {"storage_batch", 1}, {"batch_size", 32}, {"iterations", 13}});
  j["workload"]["tenants"][0]["dataset"] = {
      {"samples", 420}, {"bytes_per_sample", "1kB"}, {"samples_per_object", 32}};
  j["platform"]["storage"]["request_overhead"] = "500ms";
  j["simulation"] = {{"iterations", 13}, {"warmup", 3}, {"prefetch_depth", 1}};

  // The plan's requests per iteration are the epoch plan's ranges per batch.
  simtest::TempDir dir;
  sim::ProfileCache cache;
  sim::Study st = sim::prepare_study(sim::load_scenario(simtest::write_toy(dir, j)), cache);
  const sim::TenantCosts plan = sim::configuration_costs(st, st.configs.at(0)).tenants.at(0);
  const auto batches =
      plan_epoch(object_layout(420, 32), 32, epoch_order_seed(1, 0), ObjectOrder::kShuffled);
  int64_t requests = 0;
  for (int64_t it = 3; it < 13; ++it) {
    const auto shares = plan.shares(it, 1);
    CHECK(shares[0].objects == static_cast<int64_t>(batches[static_cast<std::size_t>(it)].size()));
    CHECK(shares[0].samples == 32);
    requests += shares[0].objects;
  }
  REQUIRE(requests > 10);  // seed 1 puts the short object within the measured iterations

  // Storage-bound: the measured iterations (after the warm-up of 3) take 500 ms per request.
  sim::TenantResult shuffled = run_first(j);
  CHECK(shuffled.bottleneck == "storage");
  CHECK(shuffled.iteration_s ==
        doctest::Approx(0.5 * static_cast<double>(requests) / 10).epsilon(0.01));
  j["workload"]["tenants"][0]["dataset"]["order"] = "stored";
  sim::TenantResult stored = run_first(j);
  CHECK(stored.iteration_s == doctest::Approx(0.5).epsilon(0.01));
}

TEST_CASE("model: the steady iteration time leaves out the warm-up, or takes the second half") {
  const std::vector<double> ends{1, 3, 4, 5, 7, 9};
  CHECK(sim::steady_iteration_time(ends, 0, 2) == doctest::Approx((9.0 - 3.0) / 4));
  CHECK(sim::steady_iteration_time(ends, 0, 0) == doctest::Approx(9.0 / 6));
  CHECK(sim::steady_iteration_time(ends, 0) == doctest::Approx((9.0 - 5.0) / 2));
  CHECK(sim::steady_iteration_time(ends, 0, 6) == doctest::Approx((9.0 - 5.0) / 2));  // none left
}
