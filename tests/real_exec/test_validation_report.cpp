// test_validation_report.cpp: the arithmetic of `tiersplit validate` and `calibrate` — measured
// and predicted summaries, errors, stage attribution, rank correlation, choice and speed-ups,
// and the transfer-line fit — on hand-made numbers.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "real_exec/calibrate.hpp"
#include "real_exec/link_calibration.hpp"
#include "real_exec/validation.hpp"
#include "real_exec/validation_report.hpp"

using namespace tiersplit::real_exec;
using nlohmann::json;

namespace {

/// A trainer report with the given per-iteration total times (other stages fixed fractions).
json train_report(const std::vector<double>& totals, double bytes) {
  json its = json::array();
  for (double t : totals) {
    its.push_back({{"total_s", t},
                   {"storage_wait_s", 0.1 * t},
                   {"server_s", 0.5 * t},
                   {"transfer_s", 0.25 * t},
                   {"compute_s", 0.75 * t},
                   {"bytes", bytes},
                   {"page_faults", 100 * t}});
  }
  return {{"iterations", its}};
}

tiersplit::sim::TenantResult sim_result(double it, double bytes, const std::string& bottleneck) {
  tiersplit::sim::TenantResult r;
  r.iteration_s = it;
  r.bytes_per_iteration = bytes;
  r.bottleneck = bottleneck;
  r.storage_busy = 0.5;
  r.network_busy = 0.2;
  r.compute_busy = 1.0;
  return r;
}

json config(int64_t s, int64_t b, double predicted, double measured,
            const std::string& bottleneck = "compute") {
  json c = {
      {"split", s},
      {"storage_batch", b},
      {"predicted", predicted_from_sim_result(sim_result(predicted, 1000, bottleneck))},
      {"measured", measured_from_train_report(train_report({9.0, measured, measured}, 1000), 1)}};
  add_errors(c);
  return c;
}

}  // namespace

TEST_CASE("validation: measured summary skips the warm-up and averages the rest") {
  json m = measured_from_train_report(train_report({5.0, 1.0, 2.0, 3.0}, 400), 1);
  CHECK(m["iterations"] == 3);
  CHECK(m["iteration_s"].get<double>() == doctest::Approx(2.0));
  CHECK(m["median_s"].get<double>() == doctest::Approx(2.0));
  CHECK(m["min_s"].get<double>() == doctest::Approx(1.0));
  CHECK(m["max_s"].get<double>() == doctest::Approx(3.0));
  CHECK(m["rel_iqr"].get<double>() == doctest::Approx((2.5 - 1.5) / 2.0));
  CHECK(m["bytes_per_iteration"].get<double>() == doctest::Approx(400));
  CHECK(m["page_faults_per_step"].get<double>() == doctest::Approx(200));
  CHECK(m["stages"]["compute_s"].get<double>() == doctest::Approx(1.5));
  CHECK(m["stages"]["storage_s"].get<double>() == doctest::Approx(1.0));
  CHECK_THROWS_WITH_AS(measured_from_train_report(train_report({1.0, 2.0}, 1), 2),
                       doctest::Contains("none after the 2 warm-up"), tiersplit::Error);
}

TEST_CASE("validation: repeated runs pool their iterations, the standard error is the means'") {
  // Two runs of one configuration: means 2 and 4 (after one warm-up iteration each).
  json m = measured_from_train_reports(
      {train_report({5.0, 1.0, 3.0}, 400), train_report({9.0, 3.5, 4.5}, 400)}, 1);
  CHECK(m["runs"] == 2);
  CHECK(m["iterations"] == 4);
  CHECK(m["run_iteration_s"] == json::array({2.0, 4.0}));
  CHECK(m["iteration_s"].get<double>() == doctest::Approx(3.0));
  CHECK(m["min_s"].get<double>() == doctest::Approx(1.0));
  CHECK(m["max_s"].get<double>() == doctest::Approx(4.5));
  // Sample standard deviation of {2, 4} is sqrt(2); over sqrt(2) runs: 1.
  CHECK(m["se_s"].get<double>() == doctest::Approx(1.0));
  // One run: the iterations' standard deviation over sqrt(n).
  json one = measured_from_train_report(train_report({5.0, 1.0, 3.0}, 400), 1);
  CHECK(one["runs"] == 1);
  CHECK(one["se_s"].get<double>() == doctest::Approx(1.0 / std::sqrt(2.0)));
}

TEST_CASE("validation: errors come from the numbers in the configuration, worst stage named") {
  json c = config(3, 8, 1.1, 1.0);
  CHECK(c["error"]["iteration"].get<double>() == doctest::Approx(0.1));
  CHECK(c["error"]["abs_iteration"].get<double>() == doctest::Approx(0.1));
  CHECK(c["error"]["bytes"].get<double>() == doctest::Approx(0.0));
  // predicted stages: storage 0.55, network 0.22, compute 1.1; measured: 0.5, 0.25, 0.75
  CHECK(c["error"]["stage_s"]["compute_s"].get<double>() == doctest::Approx(0.35));
  CHECK(c["error"]["stage_s"]["network_s"].get<double>() == doctest::Approx(-0.03));
  CHECK(c["error"]["worst_stage"] == "compute");
}

TEST_CASE("validation: rounds of runs alternate their order, so a steady drift touches all alike") {
  using V = std::vector<std::size_t>;
  CHECK(round_order(3, 0) == V{0, 1, 2});
  CHECK(round_order(3, 1) == V{2, 1, 0});
  CHECK(round_order(3, 2) == V{0, 1, 2});
  CHECK(round_order(0, 1).empty());
  // A machine that slows by 1 ms per run: over two rounds every configuration's mean position,
  // and so its mean shift, is the same.
  for (std::size_t count : {1u, 2u, 5u}) {
    std::vector<double> shift(count, 0.0);
    std::size_t t = 0;
    for (int64_t r = 0; r < 2; ++r)
      for (std::size_t i : round_order(count, r)) shift[i] += static_cast<double>(t++);
    for (double s : shift) CHECK(s == doctest::Approx(shift[0]));
  }
}

TEST_CASE("validation: rank correlation") {
  CHECK(rank_correlation({1, 2, 3, 4}, {10, 20, 30, 40}) == doctest::Approx(1.0));
  CHECK(rank_correlation({1, 2, 3, 4}, {4, 3, 2, 1}) == doctest::Approx(-1.0));
  CHECK(rank_correlation({1, 2, 3}, {5, 5, 5}) == 0.0);  // constant: undefined, reported 0
  CHECK(rank_correlation({1}, {2}) == 0.0);
  // ties get average ranks: x = (1, 2, 2, 3) -> ranks (1, 2.5, 2.5, 4)
  CHECK(rank_correlation({1, 2, 2, 3}, {1, 2, 3, 4}) == doctest::Approx(0.9486833).epsilon(1e-6));
}

TEST_CASE("validation: tenant summary finds the measured best and judges the choice") {
  json configs = json::array({config(0, 1, 2.0, 2.0, "network"), config(2, 4, 0.9, 1.0),
                              config(4, 8, 0.8, 1.03), config(4, 16, 0.85, 1.2)});
  SUBCASE("choice within 5 % of the measured best") {
    json s = tenant_summary(configs, {{"split", 4}, {"storage_batch", 8}}, 4, 0.05);
    CHECK(s["configurations"] == 4);
    CHECK(s["measured_best"]["split"] == 2);
    CHECK(s["choice_is_measured_best"] == false);
    CHECK(s["choice_within_tolerance"] == true);
    CHECK(s["choice_vs_measured_best"].get<double>() == doctest::Approx(1.03));
    CHECK(s["speedup_vs_no_pushdown"].get<double>() == doctest::Approx(2.0 / 1.03));
    CHECK(s["network_bound"] == true);
    // all-frozen: s = f with the largest storage batch
    CHECK(s["speedup_vs_all_frozen"].get<double>() == doctest::Approx(1.2 / 1.03));
    CHECK(s["max_abs_error"].get<double>() == doctest::Approx(0.35 / 1.2));
    CHECK(s["worst"]["split"] == 4);
    CHECK(s["worst"]["storage_batch"] == 16);
    CHECK(s["rank_correlation"].get<double>() ==
          doctest::Approx(0.4));  // ranks (4,3,1,2) vs (4,1,2,3)
  }
  SUBCASE("the reference policy's run is judged like the choice") {
    configs[3]["reasons"] = json::array({"reference-policy"});
    json s = tenant_summary(configs, {{"split", 4}, {"storage_batch", 8}}, 4, 0.05);
    REQUIRE(s.contains("reference_policy"));
    CHECK(s["reference_policy"]["split"] == 4);
    CHECK(s["reference_policy"]["storage_batch"] == 16);
    CHECK(s["reference_policy"]["vs_measured_best"].get<double>() == doctest::Approx(1.2));
    CHECK(s["reference_policy"]["within_tolerance"] == false);
    json points =
        json::array({{{"tenants", json::array({{{"configurations", configs}, {"summary", s}}})}}});
    json o = overall_summary(points);
    CHECK(o["reference_policy_cases"] == 1);
    CHECK(o["reference_policy_within_tolerance"] == 0);
  }
  SUBCASE("choice too slow") {
    json s = tenant_summary(configs, {{"split", 4}, {"storage_batch", 16}}, 4, 0.05);
    CHECK(s["choice_within_tolerance"] == false);
    // Iterations (1.2, 1.2) and (1.0, 1.0): no spread, so a gap of 0.2 s is not noise.
    CHECK(s["choice_gap_s"].get<double>() == doctest::Approx(0.2));
    CHECK(s["choice_gap_noise_s"].get<double>() == doctest::Approx(0.0));
    CHECK(s["choice_gap_within_noise"] == false);
  }
  SUBCASE("a gap smaller than two standard errors is within noise") {
    {  // reports before se_s: the standard error from std_s and the iterations
      json old = configs;
      old[3]["measured"].erase("se_s");
      old[3]["measured"]["std_s"] = 0.3;
      json s = tenant_summary(old, {{"split", 4}, {"storage_batch", 16}}, 4, 0.05);
      CHECK(s["choice_gap_noise_s"].get<double>() == doctest::Approx(2 * 0.3 / std::sqrt(2.0)));
    }
    // choice s = 4, b = 16: 1.2 s +- 0.3 s over 2 iterations, a standard error of 0.3 / sqrt(2)
    configs[3]["measured"]["se_s"] = 0.3 / std::sqrt(2.0);
    json s = tenant_summary(configs, {{"split", 4}, {"storage_batch", 16}}, 4, 0.05);
    CHECK(s["choice_gap_noise_s"].get<double>() == doctest::Approx(2 * 0.3 / std::sqrt(2.0)));
    CHECK(s["choice_gap_within_noise"] == true);
  }
  SUBCASE("a choice that was not measured is an internal error") {
    CHECK_THROWS_AS(tenant_summary(configs, {{"split", 3}, {"storage_batch", 8}}, 4, 0.05),
                    tiersplit::Error);
  }
  SUBCASE("overall summary over points") {
    json t = {{"configurations", configs},
              {"summary", tenant_summary(configs, {{"split", 4}, {"storage_batch", 8}}, 4, 0.05)}};
    json points = json::array(
        {{{"tenants", json::array({t})}, {"multi_tenant", {{"makespan_error", -0.04}}}}});
    json o = overall_summary(points);
    CHECK(o["configurations"] == 4);
    CHECK(o["cases"] == 1);
    CHECK(o["choice_within_tolerance"] == 1);
    CHECK(o["network_bound_cases"] == 1);
    CHECK(o["network_bound_speedup_at_least_2_5x"] == 0);
    CHECK(o["max_abs_makespan_error"].get<double>() == doctest::Approx(0.04));
    CHECK(o["max_abs_error"].get<double>() == doctest::Approx(0.35 / 1.2));
  }
}

TEST_CASE("calibration: the transfer line and the probe sizes") {
  SUBCASE("an exact line is recovered") {
    std::vector<std::pair<double, double>> pts;
    for (double x : {1e3, 4e3, 16e3, 64e3, 256e3, 1024e3}) pts.emplace_back(x, 0.002 + x / 5e6);
    json fit = fit_transfer_line(pts);
    CHECK(fit["fixed_s"].get<double>() == doctest::Approx(0.002));
    CHECK(fit["bandwidth_bytes_per_s"].get<double>() == doctest::Approx(5e6));
    CHECK(fit["rel_rmse"].get<double>() < 1e-9);
  }
  SUBCASE("a shaper's burst (small transfers faster than the line) gives no negative cost") {
    std::vector<std::pair<double, double>> pts = {
        {1e3, 1e-5}, {4e3, 2e-5}, {16e3, 0.003}, {64e3, 0.0128}, {256e3, 0.0512}, {1024e3, 0.2048}};
    json fit = fit_transfer_line(pts);
    CHECK(fit["fixed_s"].get<double>() >= 0.0);
    CHECK(fit["bandwidth_bytes_per_s"].get<double>() == doctest::Approx(5e6).epsilon(0.01));
  }
  SUBCASE("times that do not grow with size are refused") {
    CHECK_THROWS_WITH_AS(fit_transfer_line({{1e3, 0.01}, {1e6, 0.01}}),
                         doctest::Contains("do not grow with size"), tiersplit::Error);
  }
  SUBCASE("probe sizes: 1 KiB in steps of 4 up to what the link moves in the probe time") {
    auto sizes = probe_sizes(125000.0, 0.8);  // 1 Mbit/s: up to 100 kB
    REQUIRE(!sizes.empty());
    CHECK(sizes.front() == 1024);
    CHECK(sizes.back() == 100000);
    for (std::size_t i = 1; i + 1 < sizes.size(); ++i) CHECK(sizes[i] == 4 * sizes[i - 1]);
    CHECK(probe_sizes(1e12, 0.8).back() == 16 << 20);  // clamped
    CHECK(probe_sizes(1.0, 0.8).back() == 64 << 10);
  }
}

TEST_CASE("calibration: the network from the link probes, with the shaper's bucket") {
  // 100 Mbit/s tbf, 1 ms of pacer delay before each response; probes of payload at 12 MB/s.
  json testbed = {{"bandwidth_bytes_per_s", 12.5e6},
                  {"delay_s", 0.001},
                  {"mode", "netns"},
                  {"delay_by_pacer", true}};
  json link = {{"fit", {{"fixed_s", 2e-5}, {"bandwidth_bytes_per_s", 12e6}}}};
  SUBCASE("no after-idle probe: no burst; the pacer's delay is the latency") {
    json n = calibrated_network(testbed, link);
    CHECK_FALSE(n.contains("burst"));
    CHECK(n["model"]["latency_factor"].get<double>() == doctest::Approx(1.02));
    CHECK(n["model"]["bandwidth_factor"].get<double>() == doctest::Approx(0.96));
  }
  SUBCASE("a 4 MB transfer after idle 3 ms faster than latency + bytes / bw: 24 kB at once") {
    const double w = 4e6, t = 0.001 + 2e-5 + w / 12e6 - 0.003;
    link["after_idle"] = {{"bytes", w}, {"idle_s", 0.05}, {"elapsed_s", {{"median", t}}}};
    json n = calibrated_network(testbed, link);
    // 36 000 B of payload; the scenario counts bytes on the wire, as its bandwidth.
    CHECK(n["burst"] == "37500B");
  }
  SUBCASE("no faster after idle (a fluid link): burst none") {
    link["after_idle"] = {{"bytes", 4e6}, {"idle_s", 0.05}, {"elapsed_s", {{"median", 0.5}}}};
    CHECK(calibrated_network(testbed, link)["burst"] == "none");
  }
  SUBCASE("delay on the wire (netem), not before the send: the fitted fixed cost is the latency") {
    testbed["delay_by_pacer"] = false;
    json n = calibrated_network(testbed, link);
    CHECK(n["model"]["latency_factor"].get<double>() == doctest::Approx(0.02));
  }
}

TEST_CASE("calibration: the two measurements with the other tier idle are pooled") {
  auto spread = [](double median, double rel_iqr) {
    return json{
        {"median", median}, {"rel_iqr", rel_iqr}, {"count", 7}, {"min", median}, {"max", median}};
  };
  // Storage blocks: per batch, per block.
  json before = {{"freeze", 2}, {"batches", {{"8", {spread(0.010, 0.05), spread(0.020, 0.01)}}}}};
  json after = {{"freeze", 2}, {"batches", {{"8", {spread(0.012, 0.02), spread(0.020, 0.03)}}}}};
  json p = pool_alone_measurements(before, after);
  const json& b0 = p["batches"]["8"][0];
  CHECK(b0["median"].get<double>() == doctest::Approx(0.011));
  CHECK(b0["count"] == 14);
  CHECK(b0["min"].get<double>() == doctest::Approx(0.010));
  CHECK(b0["max"].get<double>() == doctest::Approx(0.012));
  // The two medians differ by 0.002 / 0.011: more than either IQR.
  CHECK(b0["rel_iqr"].get<double>() == doctest::Approx(0.002 / 0.011));
  CHECK(p["batches"]["8"][1]["rel_iqr"].get<double>() == doctest::Approx(0.03));
  CHECK(p["freeze"] == 2);
  // Trainer steps: per split.
  json s0 = {{"splits", {{{"split", 0}, {"step_s", spread(0.10, 0.1)}}}}};
  json s1 = {{"splits", {{{"split", 0}, {"step_s", spread(0.14, 0.1)}}}}};
  CHECK(pool_alone_measurements(s0, s1)["splits"][0]["step_s"]["median"].get<double>() ==
        doctest::Approx(0.12));
  // Measurements of different shapes are refused.
  json short_after = {{"batches", {{"8", {spread(0.012, 0.02)}}}}};
  CHECK_THROWS_AS(pool_alone_measurements(before, short_after), tiersplit::Error);
}
