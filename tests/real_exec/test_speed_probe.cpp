// test_speed_probe.cpp: the machine-speed probe — its measurement, the slowdown of a run against
// the calibration's reference, pooling over runs, and the report's calm/unsettled split.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "real_exec/speed_probe.hpp"
#include "real_exec/validation_report.hpp"

using namespace tiersplit::real_exec;
using nlohmann::json;

namespace {

json probe(double median_s) {
  return {{"chunk_s", {{"median", median_s}}}};
}

json tiers(double storage_s, double compute_s) {
  return {{"storage", probe(storage_s)}, {"compute", probe(compute_s)}};
}

}  // namespace

TEST_CASE("speed probe: a measurement has positive chunk times and names its work") {
  json p = measure_machine_speed({3, 2});
  CHECK(p["chunk_s"]["count"] == 3);
  CHECK(p["chunk_s"]["median"].get<double>() > 0);
  CHECK(p["chunk_s"]["min"].get<double>() <= p["chunk_s"]["max"].get<double>());
  CHECK(p["work"].get<std::string>().find("2 products") != std::string::npos);
  CHECK_THROWS_AS(measure_machine_speed({0, 2}), tiersplit::Error);

  SpeedProbeOptions small;
  small.chunks = 2;
  small.stream_chunks = 3;
  small.stream_passes_per_chunk = 1;
  small.stream_mib = 8;
  json m = measure_machine_speed(small);
  CHECK(m["stream_chunk_s"]["count"] == 3);
  CHECK(m["stream_chunk_s"]["median"].get<double>() > 0);
  CHECK(m["stream_work"].get<std::string>().find("8 MiB") != std::string::npos);
  small.stream_chunks = 0;
  CHECK_FALSE(measure_machine_speed(small).contains("stream_chunk_s"));
  small.stream_mib = 0;
  small.stream_chunks = 1;
  CHECK_THROWS_AS(measure_machine_speed(small), tiersplit::Error);
}

TEST_CASE("speed probe: slowdowns against the calibration's reference") {
  // Calibration: storage 10 ms before, 12 ms after (reference 11); compute 20 and 20.
  const json reference = speed_reference(tiers(0.010, 0.020), tiers(0.012, 0.020));
  CHECK(reference["storage"]["chunk_s"]["median"].get<double>() == doctest::Approx(0.011));
  CHECK(reference["compute"]["before"]["chunk_s"]["median"].get<double>() ==
        doctest::Approx(0.020));

  SUBCASE("a run's slowdown is its probes' mean over the reference, per tier") {
    json run = run_machine_speed(tiers(0.011, 0.022), tiers(0.0121, 0.026), reference, 6.5);
    CHECK(run["storage_slowdown"].get<double>() == doctest::Approx(0.01155 / 0.011));
    CHECK(run["compute_slowdown"].get<double>() == doctest::Approx(1.2));
    CHECK(run["waited_s"].get<double>() == doctest::Approx(6.5));
    CHECK(run["before"]["compute"]["chunk_s"]["median"].get<double>() == doctest::Approx(0.022));
  }
  SUBCASE("the worst tier of one probe decides whether the machine is calm") {
    CHECK(worst_slowdown(tiers(0.011, 0.030), reference) == doctest::Approx(1.5));
    CHECK(worst_slowdown(tiers(0.0132, 0.020), reference) == doctest::Approx(1.2));
    CHECK(worst_slowdown(tiers(0.0099, 0.018), reference) == doctest::Approx(0.9));
  }
  SUBCASE("several runs pool to mean slowdowns and the total wait") {
    json a = {{"storage_slowdown", 1.0}, {"compute_slowdown", 1.1}, {"waited_s", 3.0}};
    json b = {{"storage_slowdown", 1.2}, {"compute_slowdown", 1.3}, {"waited_s", 0.0}};
    json p = pool_machine_speeds({a, b});
    CHECK(p["storage_slowdown"].get<double>() == doctest::Approx(1.1));
    CHECK(p["compute_slowdown"].get<double>() == doctest::Approx(1.2));
    CHECK(p["waited_s"].get<double>() == doctest::Approx(3.0));
    CHECK(p["runs"] == 2);
    CHECK_FALSE(p.contains("pushdown_slowdown"));  // neither run probed the pushdowns
    a["pushdown_slowdown"] = 1.2;
    b["pushdown_slowdown"] = 1.0;
    CHECK(pool_machine_speeds({a, b})["pushdown_slowdown"].get<double>() == doctest::Approx(1.1));
  }
  SUBCASE("the pushdowns' own speed unsettles a run as either tier's probe does") {
    json calm = {{"storage_slowdown", 1.01}, {"compute_slowdown", 0.99}};
    CHECK_FALSE(machine_unsettled(calm, 0.05));
    calm["pushdown_slowdown"] = 1.04;
    CHECK_FALSE(machine_unsettled(calm, 0.05));
    calm["pushdown_slowdown"] = 1.12;  // the blocks ran slower, the matrix products did not
    CHECK(machine_unsettled(calm, 0.05));
  }
  SUBCASE("a probe without a median is named in the error") {
    CHECK_THROWS_WITH_AS(machine_slowdown(json::object(), probe(0.01), "the compute tier's speed"),
                         doctest::Contains("compute tier's speed"), tiersplit::Error);
    CHECK_THROWS_AS(machine_slowdown(probe(0.0), probe(0.01), "x"), tiersplit::Error);
  }
}

TEST_CASE("speed probe: the overall summary splits errors by a calm or unsettled machine") {
  auto config = [](double predicted, double measured, const json& speed) {
    json c = {{"split", 0},
              {"storage_batch", 1},
              {"error",
               {{"abs_iteration", std::abs(predicted - measured) / measured},
                {"iteration", (predicted - measured) / measured}}}};
    if (!speed.is_null()) c["machine_speed"] = speed;
    return c;
  };
  const json calm = {{"calm", true}}, unsettled = {{"calm", false}};
  json configs = json::array({config(1.0, 1.0, calm), config(1.0, 1.02, calm),
                              config(1.0, 1.3, unsettled), config(1.0, 1.1, nullptr)});
  json points = json::array(
      {{{"tenants", json::array({{{"configurations", configs}, {"summary", json::object()}}})}}});
  json o = overall_summary(points);
  CHECK(o["configurations"] == 4);
  CHECK(o["machine_calm"]["configurations"] == 2);
  CHECK(o["machine_calm"]["max_abs_error"].get<double>() == doctest::Approx(0.02 / 1.02));
  CHECK(o["machine_unsettled"]["configurations"] == 1);
  CHECK(o["machine_unsettled"]["max_abs_error"].get<double>() == doctest::Approx(0.3 / 1.3));
  // Reports without probes have no such split.
  for (auto& c : configs) c.erase("machine_speed");
  points[0]["tenants"][0]["configurations"] = configs;
  CHECK_FALSE(overall_summary(points).contains("machine_calm"));
}
