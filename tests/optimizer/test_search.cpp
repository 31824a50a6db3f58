// test_search.cpp: recommend() on hand-built toy profiles whose right answers are known.
#include <doctest/doctest.h>

#include "common/error.hpp"
#include "optimizer/recommendation.hpp"
#include "optimizer/search.hpp"
#include "sim/scenario.hpp"
#include "sim/sim_fixtures.hpp"

using simtest::json;
namespace opt = tiersplit::optimizer;
namespace sim = tiersplit::sim;

namespace {

/// The toy scenario with every tenant searching, short jobs, a few storage batches.
json searching(json j, int tenants = 1) {
  json t = j["workload"]["tenants"][0];
  t["split"] = "search";
  t["storage_batch"] = "search";
  t["iterations"] = 20;
  j["workload"]["tenants"] = json::array();
  for (int i = 0; i < tenants; ++i) {
    t["name"] = std::string(1, static_cast<char>('a' + i));
    j["workload"]["tenants"].push_back(t);
  }
  j["search"] = {{"storage_batches", {4, 8, 16, 32, 64}}};
  j["simulation"]["iterations"] = 20;
  return j;
}

opt::Recommendation run_in(const simtest::TempDir& dir, const json& scenario,
                           const simtest::ToySpec& spec = {}) {
  std::string file = simtest::write_toy(dir, scenario, spec);
  sim::Scenario sc = sim::load_scenario(file);
  sim::ProfileCache cache;
  opt::RecommendOptions o;
  o.progress = false;
  o.prefetch_depths = {1};
  o.jobs = 2;
  return opt::recommend(sc, cache, o);
}

opt::Recommendation run(const json& scenario, const simtest::ToySpec& spec = {}) {
  simtest::TempDir dir;
  return run_in(dir, scenario, spec);
}

/// Storage compute negligible, a trainer fast enough that the network decides.
simtest::ToySpec network_bound_spec() {
  simtest::ToySpec s;
  for (double& b : s.forward_beta) b = 1e-5;
  s.train_beta = 1e-4;
  return s;
}

const opt::BaselineOutcome& baseline(const opt::TenantRecommendation& t, const std::string& name) {
  for (const auto& b : t.baselines) {
    if (b.name == name) return b;
  }
  FAIL("no baseline " << name);
  return t.baselines.front();
}

}  // namespace

TEST_CASE("optimizer: a network-bound tenant pushes down to the smallest-output split") {
  json j = searching(simtest::toy_scenario());
  j["platform"]["network"]["bandwidth"] = "100Mbps";
  opt::Recommendation r = run(j, network_bound_spec());
  REQUIRE(r.points.size() == 1);
  const auto& t = r.points[0].tenants.at(0);
  CHECK(t.split == 3);  // outputs per sample: 200 KB, 50 KB, 10 KB
  CHECK(baseline(t, "smallest-output").split == 3);
  CHECK(t.predicted.source == "simulation");
  CHECK(t.predicted.bottleneck == "network");
  CHECK(baseline(t, "no-pushdown").speedup > 5.0);  // 100 KB stored vs 10 KB sent per sample
  CHECK(baseline(t, "smallest-output").speedup == doctest::Approx(1.0).epsilon(0.05));
}

TEST_CASE("optimizer: a storage-bound tenant (slow storage, fast network) does not push down") {
  json j = searching(simtest::toy_scenario());
  j["platform"]["network"]["bandwidth"] = "100Gbps";
  j["platform"]["storage"]["decode_time_per_sample"] = "20ms";  // every pushdown decodes slowly
  opt::Recommendation r = run(j);
  const auto& t = r.points[0].tenants.at(0);
  CHECK(t.split == 0);
  CHECK(t.storage_memory_bytes == 0);
  CHECK(baseline(t, "all-frozen").speedup > 1.5);
  // The chosen configuration is never worse than a baseline (they are simulated candidates too).
  for (const auto& b : t.baselines) CHECK(b.speedup >= doctest::Approx(1.0).epsilon(1e-9));
}

TEST_CASE(
    "optimizer: a memory-tight storage node lowers the storage batch and never exceeds memory") {
  simtest::ToySpec spec = network_bound_spec();
  for (double& a : spec.forward_alpha)
    a = 5e-3;  // a fixed cost per call: larger batches are useful
  json j = searching(simtest::toy_scenario());
  j["platform"]["network"]["bandwidth"] = "100Mbps";
  // Split 3 needs 7 MB of weights + b x 400 KB: b <= 15 fits 13 MB.
  j["platform"]["storage"]["memory"] = "13MB";
  opt::Recommendation r = run(j, spec);
  const auto& p = r.points[0];
  const auto& t = p.tenants.at(0);
  CHECK(t.split == 3);
  CHECK(t.storage_batch <= 8);
  CHECK(t.storage_batch_lowered);
  CHECK(t.storage_memory_bytes <= 13e6);
  CHECK(p.storage_memory_used <= p.storage_memory_capacity);
  CHECK(t.predicted.memory_wait_s == 0);

  SUBCASE("no storage batch fits: no pushdown rather than running out of memory") {
    j["platform"]["storage"]["memory"] = "1MB";  // block 0 alone has 1 MB of weights
    opt::Recommendation r2 = run(j, spec);
    const auto& t2 = r2.points[0].tenants.at(0);
    CHECK(t2.split == 0);
    CHECK(r2.points[0].storage_memory_used == 0);
    CHECK(baseline(t2, "all-frozen").split == 0);
    CHECK(baseline(t2, "all-frozen").note.find("no pushdown instead") != std::string::npos);
  }
}

TEST_CASE(
    "optimizer: two tenants on one storage node are not both given a split that only fits alone") {
  json j = searching(simtest::toy_scenario(), 2);
  j["platform"]["network"]["bandwidth"] = "100Mbps";
  // Split 3 at b = 4 needs 8.6 MB: one fits 12 MB, two do not.
  j["platform"]["storage"]["memory"] = "12MB";
  opt::Recommendation r = run(j, network_bound_spec());
  const auto& p = r.points[0];
  REQUIRE(p.tenants.size() == 2);
  CHECK_FALSE((p.tenants[0].split == 3 && p.tenants[1].split == 3));
  double used = p.tenants[0].storage_memory_bytes + p.tenants[1].storage_memory_bytes;
  CHECK(used == doctest::Approx(p.storage_memory_used));
  CHECK(used <= 12e6);
  CHECK(p.tenants[0].split + p.tenants[1].split > 0);  // the network still calls for pushdown
  CHECK(p.makespan_s > 0);
}

TEST_CASE("optimizer: the same input gives byte-identical JSON") {
  json j = searching(simtest::toy_scenario(), 2);
  j["sweep"] = {{"bandwidth", {"100Mbps", "1Gbps"}}};
  simtest::TempDir dir;
  std::string a = opt::to_json(run_in(dir, j)).dump();
  std::string b = opt::to_json(run_in(dir, j)).dump();
  CHECK(a.size() == b.size());
  CHECK(a == b);
  json doc = json::parse(a);
  CHECK(doc["format"] == "tiersplit-recommendation");
  CHECK(doc["version"] == 1);
  CHECK(doc["points"].size() == 2);
}

TEST_CASE("optimizer: a scenario where nothing fits compute memory says why") {
  json j = searching(simtest::toy_scenario());
  j["platform"]["compute"]["memory"] = "1MB";
  CHECK_THROWS_WITH_AS(run(j), doctest::Contains("no feasible configuration"), tiersplit::Error);
  CHECK_THROWS_WITH_AS(run(j), doctest::Contains("compute memory"), tiersplit::Error);
}

TEST_CASE("optimizer: sensitivity ranges contain the point's own bandwidth") {
  json j = searching(simtest::toy_scenario());
  j["platform"]["network"]["bandwidth"] = "100Mbps";
  opt::Recommendation r = run(j, network_bound_spec());
  const auto& t = r.points[0].tenants.at(0);
  CHECK(t.bandwidth.low_factor <= 1.0);
  CHECK(t.bandwidth.high_factor >= 1.0);
  CHECK(t.bandwidth.low == doctest::Approx(12.5e6 * t.bandwidth.low_factor));
  // Network-bound at the smallest output: more bandwidth may change the choice, less never does.
  CHECK_FALSE(t.bandwidth.low_bounded);
}

TEST_CASE(
    "optimizer: the network objective moves no more bytes than the time objective, within the "
    "slack") {
  json j = searching(simtest::toy_scenario());
  j["platform"]["network"]["bandwidth"] = "10Gbps";
  simtest::TempDir dir;
  std::string file = simtest::write_toy(dir, j);
  sim::Scenario sc = sim::load_scenario(file);
  opt::RecommendOptions o;
  o.progress = false;
  o.prefetch_depths = {1};
  sim::ProfileCache c1, c2;
  opt::Recommendation by_time = opt::recommend(sc, c1, o);
  o.objective = "network";
  opt::Recommendation by_bytes = opt::recommend(sc, c2, o);
  const auto& t = by_time.points[0].tenants[0].predicted;
  const auto& n = by_bytes.points[0].tenants[0].predicted;
  CHECK(n.job_bytes <= t.job_bytes);
  CHECK(n.job_s <= t.job_s * 1.05 + 1e-9);
}

TEST_CASE("optimizer: --respect-fixed keeps a tenant's fixed split and storage batch") {
  json j = simtest::toy_scenario();  // split 2, storage batch 16
  j["workload"]["tenants"][0]["iterations"] = 20;
  j["simulation"]["iterations"] = 20;
  j["platform"]["network"]["bandwidth"] = "100Gbps";
  j["platform"]["storage"]["decode_time_per_sample"] = "20ms";  // pushdown is slow: s = 0 would win
  simtest::TempDir dir;
  sim::Scenario sc = sim::load_scenario(simtest::write_toy(dir, j));
  sim::ProfileCache cache;
  opt::RecommendOptions o;
  o.progress = false;
  o.prefetch_depths = {1};
  o.respect_fixed = true;
  opt::Recommendation r = opt::recommend(sc, cache, o);
  const auto& t = r.points[0].tenants.at(0);
  CHECK(t.split == 2);
  CHECK(t.storage_batch == 16);
  CHECK_FALSE(t.searched);
  CHECK(baseline(t, "no-pushdown").speedup < 1.0);  // the fixed choice is slower, and it says so
}
