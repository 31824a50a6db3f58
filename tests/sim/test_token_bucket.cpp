// test_token_bucket.cpp: the shaper's bucket (refill while idle, cap, nothing while busy) and the
// simulator and closed form on a shaped path (network.burst).
#include <doctest/doctest.h>

#include "sim/closed_form.hpp"
#include "sim/token_bucket.hpp"
#include "sim_fixtures.hpp"

using namespace tiersplit;
using simtest::json;

TEST_CASE("token bucket: full at first, refills while idle up to its depth, not while busy") {
  sim::TokenBucket b(1000, 100);               // 1000 B, 100 B/s
  CHECK(b.take(0, 400, 0, false) == 400);      // starts full
  CHECK(b.take(0, 1000, 0, false) == 600);     // what is left
  CHECK(b.take(1, 1000, 0, false) == 100);     // idle 1 s since t = 0: 100 B back
  CHECK(b.take(2, 1000, 1.5, false) == 50);    // idle only since 1.5 s: 0.5 s of refill
  CHECK(b.take(9, 1000, 3, true) == 0);        // busy: the shaper holds the link at its rate
  CHECK(b.take(100, 5000, 9, false) == 1000);  // a long idle refills no more than the depth
  CHECK(b.take(100, 0, 9, false) == 0);
  sim::TokenBucket fluid;  // depth 0: nothing passes at once
  CHECK(fluid.take(10, 1000, 0, false) == 0);
}

using simtest::run_first;

TEST_CASE("model: a shaped path lets a burst through after the link idled") {
  // No prefetch: one iteration = read 6.4 ms + 4 mini-batches of 48 ms, each followed by its
  // 800 kB flow (6.4 ms at 1 Gbps, 41.6 ms of idle link before the next), then 256 ms of
  // training. The last flow's first 400 kB (3.2 ms at 1 Gbps) pass at once.
  json j = simtest::toy_scenario();
  j["simulation"]["prefetch_depth"] = 0;
  j["platform"]["network"]["burst"] = "400kB";
  sim::TenantResult shaped = run_first(j);
  CHECK(shaped.iteration_s ==
        doctest::Approx(0.0064 + 0.192 + 50e-6 + 0.0032 + 0.256).epsilon(1e-6));
  CHECK(shaped.closed_form_iteration_s == doctest::Approx(shaped.iteration_s).epsilon(0.01));
  CHECK(shaped.bytes_per_iteration == 64.0 * 50000.0);  // the burst changes times, not bytes
  // The link is busy only for what each of the 4 messages sends beyond its 400 kB burst.
  CHECK(shaped.network_busy * shaped.iteration_s ==
        doctest::Approx(4 * 400e3 / 1.25e8).epsilon(0.03));

  // Prefetch 1, compute-bound: the burst changes nothing but the first iteration.
  j["simulation"]["prefetch_depth"] = 1;
  CHECK(run_first(j).iteration_s == doctest::Approx(0.256).epsilon(1e-6));

  // Network-bound at 100 Mbps, split 0: the link hardly idles, so a large bucket saves
  // almost nothing; the simulation and the closed form agree.
  json net = j;
  net["platform"]["network"]["bandwidth"] = "100Mbps";
  net["workload"]["tenants"][0]["split"] = 0;
  net["workload"]["tenants"][0]["storage_batch"] = 64;
  net["platform"]["network"]["burst"] = "none";
  const double fluid = run_first(net).iteration_s;
  net["platform"]["network"]["burst"] = "1MB";
  sim::TenantResult r = run_first(net);
  CHECK(r.bottleneck == "network");
  CHECK(r.iteration_s <= fluid);
  CHECK(r.iteration_s == doctest::Approx(fluid).epsilon(0.01));
  CHECK(r.closed_form_iteration_s == doctest::Approx(r.iteration_s).epsilon(0.01));
}

TEST_CASE("path model: a bucket refills during the configured latency, never the factor's extra") {
  sim::PlatformParams pf;
  pf.network.latency_s = 1e-3;            // e.g. a server's pacer holding each response 1 ms
  pf.network.model.latency_factor = 4.6;  // + 3.6 ms per message on the busy link (headers)
  CHECK(sim::path_model(pf).latency_s == doctest::Approx(4.6e-3));
  CHECK(sim::path_model(pf).refill_s == doctest::Approx(1e-3));
  pf.network.model.latency_factor = 0.02;  // a latency that is mostly not there
  CHECK(sim::path_model(pf).refill_s == doctest::Approx(2e-5));
}
