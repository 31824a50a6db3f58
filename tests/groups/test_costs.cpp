// test_costs.cpp: what a piece's pushdown costs: object reads, and blocks at each mini-batch's
// size.
#include <doctest/doctest.h>

#include "groups/costs.hpp"
#include "groups_fixtures.hpp"

TEST_CASE("a pushdown reads the whole objects its samples touch") {
  tiersplit::groups::GroupsCosts c;
  c.request_overhead_s = 0.01;
  c.samples_per_object = 64;
  CHECK(c.requests_s(0) == 0);
  CHECK(c.requests_s(1) == doctest::Approx(0.01));  // one sample: one object
  // One object's worth starting anywhere: 1 + 63/64 objects on average (mostly two).
  CHECK(c.requests_s(64) == doctest::Approx(0.01 * (1 + 63.0 / 64)));
  CHECK(c.requests_s(129) == doctest::Approx(0.03));  // 1 + 128/64
  c.samples_per_object = 1;                           // one sample per object: one read per sample
  CHECK(c.requests_s(10) == doctest::Approx(0.1));
  CHECK(c.reads_s(20, 2) == doctest::Approx(0.2));  // two requests of 10
}

TEST_CASE("a request's last, partial mini-batch costs the profile's time at its own size") {
  // Block 0: 1 ms per mini-batch + 2 ms per sample; storage batch 16, split 1.
  simtest::ToySpec spec;
  spec.forward_alpha[0] = 1e-3;
  auto profile = std::make_shared<const tiersplit::profiles::Profile>(simtest::toy_profile(spec));
  tiersplit::groups::GroupsCosts c;
  c.split = 1;
  c.storage_batch = 16;
  c.storage_decode_s_per_sample = 1e-4;
  c.storage_s_per_sample = 1e-4 + (1e-3 + 16 * 2e-3) / 16;
  c.set_minibatch_times(tiersplit::sim::StorageTimes(profile));
  auto t = [](double n) { return 1e-3 + 2e-3 * n + 1e-4 * n; };  // one mini-batch with decode
  CHECK(c.pushdown_s(32, 1) == doctest::Approx(2 * t(16)));      // whole mini-batches: proportional
  CHECK(c.pushdown_s(32, 1) == doctest::Approx(32 * c.storage_s_per_sample));
  CHECK(c.pushdown_s(21, 1) == doctest::Approx(t(16) + t(5)));  // 16, then 5
  CHECK(c.pushdown_s(42, 2) == doctest::Approx(2 * (t(16) + t(5))));
  CHECK(c.pushdown_s(5.5, 1) == doctest::Approx(t(5.5)));  // an average request between sizes
  CHECK(c.pushdown_s(0, 1) == 0);
  c.split = 0;  // no pushdown: the server sends stored samples
  CHECK(c.pushdown_s(21, 1) == 0);
  c.split = 1;
  c.storage_minibatch_s.clear();  // costs without a profile: per sample at the storage batch
  CHECK(c.pushdown_s(21, 1) == doctest::Approx(21 * c.storage_s_per_sample));
}

TEST_CASE("shards cost the store more when a mini-batch has a fixed cost: DP against GTP") {
  using namespace groupstest;
  // Storage batch = training batch 64: GTP asks one mini-batch per request, DP's two workers
  // each half of it, so DP runs twice the mini-batches: 15 requests per configuration (groups
  // [400, 200, 200]: 7 + 4 + 4), two configurations, 1 ms each, one more time.
  simtest::ToySpec spec;
  spec.forward_alpha[0] = 1e-3;
  const auto gtp = ToyStudy(toy_groups(fixed("gtp", "per-config", 1, 64)), spec).closed_form();
  const auto dp = ToyStudy(toy_groups(fixed("dp", "per-config", 1, 64)), spec).closed_form();
  REQUIRE(gtp.feasible);
  REQUIRE(dp.feasible);
  CHECK(dp.storage_compute_s - gtp.storage_compute_s == doctest::Approx(2 * 15 * 1e-3));
  // Without the fixed part, the same samples cost the same.
  const auto gtp0 = ToyStudy(toy_groups(fixed("gtp", "per-config", 1, 64))).closed_form();
  const auto dp0 = ToyStudy(toy_groups(fixed("dp", "per-config", 1, 64))).closed_form();
  CHECK(dp0.storage_compute_s == doctest::Approx(gtp0.storage_compute_s));
  // The simulation reports the same storage work as the closed form.
  ToyStudy sim_dp(toy_groups(fixed("dp", "per-config", 1, 64)), spec);
  CHECK(sim_dp.simulate()[0].outcome.storage_compute_s == doctest::Approx(dp.storage_compute_s));
}

TEST_CASE("the simulated store runs the mini-batches' fixed costs too: no faster than its work") {
  using namespace groupstest;
  // One storage core, 20 ms per mini-batch: the store binds, and the simulated makespan cannot
  // beat its work (the SimGrid model's pieces carry the same per-request cost as the totals).
  simtest::ToySpec spec;
  spec.forward_alpha[0] = 20e-3;
  json j = toy_groups(fixed("dp", "per-config", 1, 64));
  j["platform"]["storage"]["cores"] = 1;
  ToyStudy t(j, spec);
  const auto r = t.simulate()[0].outcome;
  REQUIRE(r.feasible);
  CHECK(r.storage_compute_s > 2 * 2 * 15 * 20e-3);  // 60 mini-batches of 20 ms at least
  CHECK(r.makespan_s >= r.storage_compute_s);
}
