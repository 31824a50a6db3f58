// test_sweep.cpp: sweep expansion, configuration enumeration and shards.
#include <doctest/doctest.h>

#include <set>

#include "common/error.hpp"
#include "sim/engine/worker_pool.hpp"
#include "sim/study.hpp"
#include "sim/sweep.hpp"
#include "sim_fixtures.hpp"

using namespace tiersplit;
using simtest::json;

TEST_CASE("sweep: the cross product of the axes, first axis slowest") {
  simtest::TempDir dir;
  json j = simtest::toy_scenario();
  j["sweep"] = {{"bandwidth", {"1Gbps", "10Gbps", "25Gbps"}},
                {"storage_nodes", {1, 2}},
                {"tenant_count", {1, 3}}};
  sim::Scenario sc = sim::load_scenario(simtest::write_toy(dir, j));
  CHECK(sim::sweep_size(sc.sweep) == 12);
  auto points = sim::expand_sweep(sc);
  REQUIRE(points.size() == 12);
  CHECK(points[0].platform.network.bandwidth == doctest::Approx(1.25e8));
  CHECK(points[11].platform.network.bandwidth == doctest::Approx(25e9 / 8));
  CHECK(points[0].platform.storage.nodes == 1);
  CHECK(points[2].platform.storage.nodes == 2);
  CHECK(points[0].tenants.size() == 1);
  REQUIRE(points[1].tenants.size() == 3);
  CHECK(points[1].tenants[0].name == "a");
  CHECK(points[1].tenants[1].name == "a#2");
  CHECK(points[1].tenants[2].name == "a#3");
  CHECK(points[5].labels.size() == 3);
  CHECK(points[5].labels[0].first == "bandwidth");
}

TEST_CASE("sweep: configurations of a searching tenant are splits x storage batches x points") {
  simtest::TempDir dir;
  json j = simtest::toy_scenario();
  j["workload"]["tenants"][0]["split"] = "search";
  j["workload"]["tenants"][0]["storage_batch"] = "search";
  j["search"] = {{"storage_batches", {1, 4, 16, 64}}};
  j["sweep"] = {{"bandwidth", {"1Gbps", "10Gbps"}}};
  sim::Scenario sc = sim::load_scenario(simtest::write_toy(dir, j));
  sim::ProfileCache cache;
  sim::Study st = sim::prepare_study(sc, cache);
  // splits 0..3 (freeze index 3) x 4 batches x 2 points
  CHECK(st.configs.size() == 4 * 4 * 2);
  for (std::size_t i = 0; i < st.configs.size(); ++i) {
    CHECK(st.configs[i].point == i / 16);
    CHECK(st.configs[i].reported() == std::vector<int>{0});
  }

  // A fixed tenant beside a searching one: one baseline configuration plus the search.
  j["workload"]["tenants"].push_back(j["workload"]["tenants"][0]);
  j["workload"]["tenants"][1]["name"] = "b";
  j["workload"]["tenants"][1]["split"] = 1;
  j["workload"]["tenants"][1]["storage_batch"] = 8;
  sc = sim::load_scenario(simtest::write_toy(dir, j));
  st = sim::prepare_study(sc, cache);
  CHECK(st.configs.size() == (1 + 16) * 2);
  CHECK(st.configs[0].report == std::vector<int>{1});
}

TEST_CASE("sweep: shards partition the configurations exactly once") {
  const std::size_t total = 103;
  for (int64_t n : {1, 2, 3, 7, 200}) {
    std::vector<int> seen(total, 0);
    for (int64_t i = 1; i <= n; ++i) {
      sim::Shard s = sim::parse_shard(std::to_string(i) + "/" + std::to_string(n));
      for (std::size_t c = 0; c < total; ++c) seen[c] += s.contains(c) ? 1 : 0;
    }
    for (std::size_t c = 0; c < total; ++c) CHECK(seen[c] == 1);
  }
  CHECK_THROWS_AS(sim::parse_shard("0/4"), Error);
  CHECK_THROWS_AS(sim::parse_shard("5/4"), Error);
  CHECK_THROWS_AS(sim::parse_shard("1-4"), Error);
}

TEST_CASE("sweep: forked workers return every configuration in order, for any shard and job count") {
  simtest::TempDir dir;
  json j = simtest::toy_scenario();
  j["workload"]["tenants"][0]["split"] = "search";
  j["search"] = {{"storage_batches", {16}}};
  j["workload"]["tenants"][0]["iterations"] = 10;
  j["simulation"]["iterations"] = 10;
  j["sweep"] = {{"bandwidth", {"1Gbps", "10Gbps"}}};
  sim::Scenario sc = sim::load_scenario(simtest::write_toy(dir, j));
  sim::ProfileCache cache;
  sim::Study st = sim::prepare_study(sc, cache);
  REQUIRE(st.configs.size() == 8);
  sim::RunOptions opt;
  opt.jobs = 3;
  opt.progress = false;
  auto all = sim::run_shard(st, sim::Shard{}, opt);
  REQUIRE(all.size() == 8);
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i].config == i);

  std::vector<sim::TenantResult> merged;
  for (int i = 1; i <= 3; ++i) {
    opt.jobs = 2;
    for (auto& r : sim::run_shard(st, sim::parse_shard(std::to_string(i) + "/3"), opt))
      merged.push_back(r);
  }
  REQUIRE(merged.size() == 8);
  std::set<std::size_t> configs;
  for (const auto& r : merged) {
    configs.insert(r.config);
    // Same configuration, same answer to the bit, whatever worker or order simulated it.
    CHECK(r.iteration_s == all[r.config].iteration_s);
    CHECK(r.job_s == all[r.config].job_s);
  }
  CHECK(configs.size() == 8);
}
