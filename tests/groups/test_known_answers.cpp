// test_known_answers.cpp: every strategy on the toy groups workload (2 workers, groups
// [400, 200, 200], 2 linear configurations, 1 epoch) against makespans worked out by hand, by
// the closed form and by the simulation.
#include <doctest/doctest.h>

#include "groups_fixtures.hpp"

using groupstest::fixed;
using groupstest::json;
using groupstest::kCallOverhead;
using groupstest::kExtractPerSample;
using groupstest::toy_groups;
using groupstest::ToyStudy;

namespace {

/// The closed form within 1 % of `expected`, the simulation within 3 %.
void check_makespan(const ToyStudy& t, double expected) {
  const auto cf = t.closed_form();
  REQUIRE(cf.feasible);
  CHECK(cf.makespan_s == doctest::Approx(expected).epsilon(0.01));
  const auto sim = t.simulate();
  REQUIRE(sim.size() == 1);
  REQUIRE(sim[0].outcome.feasible);
  CHECK(sim[0].outcome.source == "simulation");
  CHECK(sim[0].outcome.makespan_s == doctest::Approx(expected).epsilon(0.03));
}

}  // namespace

TEST_CASE("known answer: MTP, a stream per configuration") {
  // 6 tasks (group, configuration) of 400, 400, 200, 200, 200, 200 samples, longest first onto
  // the least loaded worker: 800 samples each.
  ToyStudy t(toy_groups(fixed("mtp", "per-config")));
  check_makespan(t, 800 * kExtractPerSample);
  CHECK(t.closed_form().storage_to_compute_bytes == doctest::Approx(1600 * 125e3));
}

TEST_CASE("known answer: GTP, a stream per configuration and one shared stream") {
  // Group 0 on worker 0, groups 1 and 2 on worker 1: 400 samples per worker and stream.
  ToyStudy per_config(toy_groups(fixed("gtp", "per-config")));
  check_makespan(per_config, 2 * 400 * kExtractPerSample);
  ToyStudy shared(toy_groups(fixed("gtp", "shared")));
  check_makespan(shared, 400 * kExtractPerSample);
  CHECK(shared.closed_form().syncs == 0);
}

TEST_CASE("known answer: DP, every group over both workers, an all-reduce per update") {
  // 200 + 100 + 100 samples per worker; linear heads update once per epoch: 3 groups x 2
  // configurations = 6 all-reduce calls of 1 ms, plus rings of 2 x 100 KB gradients per group
  // (2 (P-1)/P x 200 KB at 10 Gbps = 0.16 ms each).
  ToyStudy t(toy_groups(fixed("dp", "shared")));
  check_makespan(t, 400 * kExtractPerSample + 6 * kCallOverhead + 3 * 0.16e-3);
  CHECK(t.closed_form().syncs == 6);
}

TEST_CASE("known answer: SP, DP above the median size, GTP below") {
  // Median 200: group 0 (400) by DP, 200 per worker and 2 calls; groups 1 and 2 by GTP, one each.
  ToyStudy t(toy_groups(fixed("sp", "shared")));
  check_makespan(t, (200 + 200) * kExtractPerSample + 2 * kCallOverhead + 0.16e-3);
  CHECK(t.closed_form().syncs == 2);
}

TEST_CASE("known answer: GL with wrap-around, no group above n/P, nothing sharded") {
  // n/P = 400: group 0 fills worker 0, groups 1 and 2 fill worker 1.
  ToyStudy t(toy_groups(fixed("gl", "shared")));
  check_makespan(t, 400 * kExtractPerSample);
  CHECK(t.plan().sharded_groups == 0);
  CHECK(t.closed_form().syncs == 0);
}

TEST_CASE("known answer: GL shards a dominant group, GAP moves partials, not every batch") {
  // Groups [600, 100, 100]: group 0 is sharded 400 + 200, groups 1 and 2 join worker 1. The
  // holder of the 200-sample shard sends its partial gradients (2 configurations) to the owner
  // once: one message; the owner updates after it.
  json j = toy_groups(fixed("gl", "shared"));
  j["workload"]["groups"]["sizes"] = {600, 100, 100};
  ToyStudy t(j);
  CHECK(t.plan().sharded_groups == 1);
  check_makespan(t, 400 * kExtractPerSample);
  CHECK(t.closed_form().syncs == 1);
}
