// test_invariants.cpp: what must hold whatever the numbers — shared streams move s x fewer bytes,
// cached extraction works the storage once, DP's and GAP's synchronisation counts, wrap-around
// shards only groups above n/P, GL beats GTP under a dominant group, results are deterministic.
#include <doctest/doctest.h>

#include <numeric>
#include <random>

#include "groups/placement.hpp"
#include "groups_fixtures.hpp"

using groupstest::fixed;
using groupstest::json;
using groupstest::toy_groups;
using groupstest::ToyStudy;
using namespace tiersplit::groups;

namespace {

/// The toy workload with `s` linear configurations (learning rates) and `epochs` epochs.
json with_grid(json j, int s, int epochs) {
  json rates = json::array();
  for (int i = 0; i < s; ++i) rates.push_back(0.1 / (i + 1));
  j["workload"]["groups"]["configurations"]["learning_rates"] = rates;
  j["workload"]["groups"]["configurations"]["epochs"] = {epochs};
  return j;
}

}  // namespace

TEST_CASE(
    "invariant: a shared stream moves s x fewer bytes and storage work than one per "
    "configuration") {
  for (const char* strategy : {"gtp", "dp", "sp", "gl"}) {
    CAPTURE(strategy);
    ToyStudy per(with_grid(toy_groups(fixed(strategy, "per-config", 2, 16)), 3, 2));
    ToyStudy shared(with_grid(toy_groups(fixed(strategy, "shared", 2, 16)), 3, 2));
    const auto a = per.closed_form(), b = shared.closed_form();
    REQUIRE(a.storage_to_compute_bytes > 0);
    CHECK(a.storage_to_compute_bytes == doctest::Approx(3 * b.storage_to_compute_bytes));
    CHECK(a.storage_compute_s == doctest::Approx(3 * b.storage_compute_s));
  }
}

TEST_CASE("invariant: cached extraction does the storage work once, whatever the epochs") {
  for (const char* strategy : {"mtp", "gtp", "dp", "sp", "gl"}) {
    CAPTURE(strategy);
    ToyStudy one(with_grid(toy_groups(fixed(strategy, "cached", 2, 16)), 2, 1));
    ToyStudy five(with_grid(toy_groups(fixed(strategy, "cached", 2, 16)), 2, 5));
    const auto a = one.closed_form(), b = five.closed_form();
    REQUIRE(b.feasible);
    CHECK(b.storage_compute_s == doctest::Approx(a.storage_compute_s));
    CHECK(b.storage_to_compute_bytes == doctest::Approx(a.storage_to_compute_bytes));
    CHECK(b.cache_bytes > 0);
    // A stream per epoch does five times the work.
    ToyStudy streamed(with_grid(toy_groups(fixed(strategy, "per-config", 2, 16)), 2, 5));
    CHECK(streamed.closed_form().storage_compute_s > 4.9 * b.storage_compute_s);
  }
}

TEST_CASE("invariant: DP synchronises h x s x ceil(n_i / B) times, summed over groups") {
  // Mini-batch (mlp) heads: one all-reduce per training batch. Groups [400, 200, 200], B = 64:
  // ceil = 7 + 4 + 4 = 15; s = 3 configurations, h = 2 epochs.
  json j = with_grid(toy_groups(fixed("dp", "shared")), 3, 2);
  j["workload"]["groups"]["configurations"]["heads"] = {{{"kind", "mlp"}, {"hidden", 64}}};
  ToyStudy t(j);
  CHECK(t.closed_form().syncs == 2 * 3 * 15);
  CHECK(t.simulate()[0].outcome.syncs == 2 * 3 * 15);
  j["workload"]["groups"]["batch_size"] = 32;  // ceil = 13 + 7 + 7
  CHECK(ToyStudy(j).closed_form().syncs == 2 * 3 * 27);
}

TEST_CASE("invariant: DP's workers meet at every all-reduce, whatever their shards' sizes") {
  // Group 0's 513 samples split 257 / 256 over the workers: 2 and 1 mini-batches of 256. Pieces
  // counted from a worker's own shard would differ and leave one worker waiting forever.
  json j = toy_groups(fixed("dp", "shared"));
  j["workload"]["groups"]["sizes"] = {513, 200, 87};
  j["workload"]["groups"]["batch_size"] = 256;
  j["workload"]["groups"]["configurations"]["heads"] = {{{"kind", "mlp"}, {"hidden", 64}}};
  ToyStudy t(j);
  const auto sim = t.simulate()[0].outcome;
  CHECK(sim.makespan_s > 0);
  for (const auto& w : sim.workers) CHECK(w.finish_s > 0);
  CHECK(sim.makespan_s == doctest::Approx(t.closed_form().makespan_s).epsilon(0.2));
}

TEST_CASE("invariant: GAP synchronises O(h) times per sharded group, not once per batch") {
  // Groups [600, 100, 100] on 2 workers: group 0 sharded over both.
  for (const char* head : {"linear", "mlp"}) {
    CAPTURE(head);
    json j = with_grid(toy_groups(fixed("gl", "shared")), 3, 4);
    j["workload"]["groups"]["sizes"] = {600, 100, 100};
    json h = {{"kind", head}};
    if (std::string(head) == "mlp") h["hidden"] = 64;
    j["workload"]["groups"]["configurations"]["heads"] = {h};
    ToyStudy t(j);
    const int64_t syncs = t.closed_form().syncs;
    CHECK(t.plan().sharded_groups == 1);
    CHECK(syncs > 0);
    // At most a message each way per holder, configuration and epoch: 2 x 2 x 3 x 4.
    CHECK(syncs <= 2 * 2 * 3 * 4);
    j["workload"]["groups"]["batch_size"] = 16;  // 4x the batches: the same synchronisations
    CHECK(ToyStudy(j).closed_form().syncs == syncs);
  }
}

TEST_CASE("invariant: wrap-around shards only groups larger than n/P, and loses no sample") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<int64_t> sizes(1 + rng() % 30);
    for (auto& s : sizes) s = 1 + static_cast<int64_t>(rng() % 1000);
    const int64_t P = 1 + static_cast<int64_t>(rng() % 8);
    const int64_t n = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
    for (const auto& placement : {wrap_around(sizes, P), balanced(sizes, P)}) {
      REQUIRE(static_cast<int64_t>(placement.size()) == P);
      std::vector<int64_t> placed(sizes.size(), 0);
      for (const auto& worker : placement) {
        for (const Share& s : worker) {
          placed[static_cast<std::size_t>(s.group)] += s.samples;
          if (s.holders > 1)
            CHECK(static_cast<double>(sizes[static_cast<std::size_t>(s.group)]) >
                  static_cast<double>(n) / static_cast<double>(P));
        }
      }
      CHECK(placed == sizes);
    }
  }
}

TEST_CASE("invariant: with one dominant group GL's makespan is at most GTP's") {
  for (int dominant : {500, 1000, 3000}) {
    CAPTURE(dominant);
    json gl = toy_groups(fixed("gl", "shared"));
    gl["workload"]["groups"]["sizes"] = {dominant, 100, 100, 50};
    json gtp = gl;
    gtp["strategy"] = fixed("gtp", "shared");
    const auto a = ToyStudy(gl).simulate()[0].outcome, b = ToyStudy(gtp).simulate()[0].outcome;
    CHECK(a.makespan_s <= b.makespan_s);
  }
}

TEST_CASE("invariant: the same configuration gives the same result whatever ran before it") {
  json j = toy_groups("search");
  j["search"] = {{"splits", {0, 2}}};
  ToyStudy t(j);
  REQUIRE(t.study.configs.size() > 6);
  std::vector<std::size_t> forward(t.study.configs.size()), backward;
  std::iota(forward.begin(), forward.end(), 0);
  backward.assign(forward.rbegin(), forward.rend());
  const auto a = t.simulate(forward, 2), b = t.simulate(backward, 1);
  for (std::size_t i = 0; i < forward.size(); ++i) {
    const auto& x = a[i];
    const auto& y = b[forward.size() - 1 - i];
    REQUIRE(x.config == y.config);
    CHECK(to_json(x).dump() == to_json(y).dump());
  }
}
