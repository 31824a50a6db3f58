// test_groups_validation.cpp: the numbers a groups validation reports (per point, over points, the
// campaign's table) and the testbed's split of the compute cores between workers.
#include <filesystem>

#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "real_exec/groups/groups_validation.hpp"
#include "real_exec/testbed_workers.hpp"
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest (glog's CHECK macros)

namespace rg = tiersplit::real_exec::groups;
namespace rx = tiersplit::real_exec;

namespace {

/// A run as the validation records it: a strategy's best (or MTP per-config), predicted and
/// measured makespans, and per (group, configuration) final accuracies.
nlohmann::json run(const std::string& label, double predicted, double measured,
                   std::vector<double> accuracy) {
  const std::string strategy = label.substr(0, label.find('/'));
  nlohmann::json acc = nlohmann::json::array();
  for (std::size_t i = 0; i < accuracy.size(); ++i)
    acc.push_back({{"group", int64_t(i)}, {"config", 0}, {"final_accuracy", accuracy[i]}});
  return {
      {"label", label},         {"choice", {{"strategy", strategy}}}, {"predicted_s", predicted},
      {"measured_s", measured}, {"error", predicted / measured - 1},  {"exactly_once", true},
      {"accuracy", acc}};
}

nlohmann::json four_runs() {
  return nlohmann::json::array(
      {run("gl/shared/wrap-around", 10, 11, {0.5, 0.6}), run("gtp/shared", 12, 10, {0.5, 0.62}),
       run("mtp/cached", 20, 25, {0.49, 0.6}), run("mtp/per-config", 40, 44, {0.5, 0.6})});
}

}  // namespace

TEST_CASE("a groups validation point: errors, the measured best, speed-ups, accuracy spread") {
  const nlohmann::json s = rg::summarise_groups_point(four_runs(), "gl/shared/wrap-around", 0.05);
  CHECK(s["measured_best"] == "gtp/shared");
  CHECK(s["choice_vs_measured_best"].get<double>() == doctest::Approx(1.1));
  CHECK_FALSE(s["choice_within_tolerance"].get<bool>());  // 10 % slower than the best
  // |errors|: 1/11, 0.2, 0.2, 1/11 -> median (1/11 + 0.2) / 2, max 0.2
  CHECK(s["median_abs_error"].get<double>() == doctest::Approx((1.0 / 11 + 0.2) / 2));
  CHECK(s["max_abs_error"].get<double>() == doctest::Approx(0.2));
  // Speed-ups of the choice: a strategy's best run, and MTP with a stream per configuration.
  CHECK(s["measured_speedup"]["mtp"].get<double>() == doctest::Approx(25.0 / 11));
  CHECK(s["measured_speedup"]["mtp/per-config"].get<double>() == doctest::Approx(4.0));
  CHECK(s["predicted_speedup"]["gtp"].get<double>() == doctest::Approx(1.2));
  CHECK(s["accuracy"]["max_spread"].get<double>() == doctest::Approx(0.02));
  CHECK(s["exactly_once"].get<bool>());
  const nlohmann::json within =
      rg::summarise_groups_point(four_runs(), "gl/shared/wrap-around", 0.10);
  CHECK(within["choice_within_tolerance"].get<bool>());
  CHECK_THROWS_AS(rg::summarise_groups_point(four_runs(), "dp/shared", 0.05), tiersplit::Error);
  CHECK_FALSE(s.contains("at_run_speed"));  // no run was predicted again at its own speed
}

TEST_CASE("errors at each run's own pushdown speed are summarised beside the calibrated ones") {
  nlohmann::json runs = four_runs();
  runs[0]["error_at_run_speed"] = -0.02;
  runs[2]["error_at_run_speed"] = 0.08;  // the other two were not probed
  const nlohmann::json s = rg::summarise_groups_point(runs, "gl/shared/wrap-around", 0.05);
  CHECK(s["at_run_speed"]["runs"] == 2);
  CHECK(s["at_run_speed"]["median_abs_error"].get<double>() == doctest::Approx(0.05));
  CHECK(s["at_run_speed"]["max_abs_error"].get<double>() == doctest::Approx(0.08));
  CHECK(s["max_abs_error"].get<double>() == doctest::Approx(0.2));  // the calibrated ones stay
  nlohmann::json p = {{"bandwidth", "4Mbit"}, {"bottleneck", "storage"}, {"configurations", 4}};
  p["runs"] = runs;
  p["summary"] = s;
  const nlohmann::json all = rg::summarise_groups_validation(nlohmann::json::array({p, p}), 0.05);
  CHECK(all["at_run_speed"]["runs"] == 4);
  CHECK(all["at_run_speed"]["max_abs_error"].get<double>() == doctest::Approx(0.08));
}

TEST_CASE("a groups validation's summary: the shared stream against MTP where the link binds") {
  auto point = [](const std::string& bottleneck, int64_t configs) {
    nlohmann::json p = {{"bandwidth", "4Mbit"},
                        {"bottleneck", bottleneck},
                        {"configurations", configs},
                        {"runs", four_runs()}};
    p["summary"] = rg::summarise_groups_point(p["runs"], "gtp/shared", 0.05);
    return p;
  };
  const nlohmann::json s = rg::summarise_groups_validation(
      nlohmann::json::array({point("network", 4), point("compute", 4), point("network", 12)}),
      0.05);
  CHECK(s["runs"] == 12);
  CHECK(s["cases"] == 3);
  CHECK(s["choice_within_tolerance"] == 3);
  const auto& bound = s["link_bound_shared_vs_mtp"];
  REQUIRE(bound.size() == 2);  // the compute-bound point is not judged by it
  CHECK(bound[0]["speedup_vs_mtp_per_config"].get<double>() == doctest::Approx(4.4));
  CHECK(bound[0]["met"].get<bool>());        // 4.4x >= s / 2 = 2
  CHECK_FALSE(bound[1]["met"].get<bool>());  // 4.4x < 12 / 2
}

TEST_CASE("the groups validation table has a row per point and refuses other reports") {
  const auto dir = std::filesystem::temp_directory_path() / "tiersplit-groups-table-test";
  std::filesystem::create_directories(dir);
  nlohmann::json p = {{"bandwidth", "4Mbit"}, {"workers", 2}, {"configurations", 4}};
  p["summary"] = rg::summarise_groups_point(four_runs(), "gtp/shared", 0.05);
  p["runs"] =
      nlohmann::json::array({nlohmann::json{{"error", 0.1}},
                             nlohmann::json{{"error", -0.3}, {"error_at_run_speed", -0.05}}});
  const nlohmann::json report = {{"format", "tiersplit-groups-validation"},
                                 {"scenario", "few-large"},
                                 {"points", nlohmann::json::array({p, p})}};
  tiersplit::write_json_file((dir / "v.json").string(), report);
  const std::string table = rg::groups_validation_table({(dir / "v.json").string()});
  CHECK(table.find("| few-large | 4Mbit | 2 | 4 | gtp/shared | gtp/shared | 1.000 |") !=
        std::string::npos);
  // header, rule, two rows, a blank line and the line over all points (both points' runs)
  CHECK(std::count(table.begin(), table.end(), '\n') == 6);
  CHECK(table.find("| 20.0% | - |") != std::string::npos);  // no run predicted at its speed
  CHECK(table.find("\nOver 4 configurations: median |err| 20.0%, worst 30.0%; at each run's "
                   "pushdown speed median 5.0%, worst 5.0%; choice measured best or within 5% at "
                   "2 of 2 points\n") != std::string::npos);
  nlohmann::json bad = report;  // a run's error that is not a number: the files named
  bad["points"][0]["runs"][0]["error"] = "10%";
  tiersplit::write_json_file((dir / "bad.json").string(), bad);
  CHECK_THROWS_WITH_AS(rg::groups_validation_table({(dir / "bad.json").string()}),
                       doctest::Contains("bad.json: runs that are not a groups validation's"),
                       tiersplit::Error);
  bad = report;  // a point without its summary
  bad["points"][1].erase("summary");
  tiersplit::write_json_file((dir / "bad.json").string(), bad);
  CHECK_THROWS_WITH_AS(rg::groups_validation_table({(dir / "bad.json").string()}),
                       doctest::Contains("bad.json: not a groups validation report"),
                       tiersplit::Error);
  tiersplit::write_json_file((dir / "other.json").string(), {{"format", "tiersplit-validation"}});
  CHECK_THROWS_WITH_AS(rg::groups_validation_table({(dir / "other.json").string()}),
                       doctest::Contains("not tiersplit-groups-validation"), tiersplit::Error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("testbed workers get the compute cores cut into parts, or share them all") {
  CHECK(rx::worker_core_lists({4, 5, 6, 7}, 2) == std::vector<std::string>{"4,5", "6,7"});
  CHECK(rx::worker_core_lists({1}, 3) == std::vector<std::string>{"1", "1", "1"});
  CHECK(rx::worker_core_lists({2, 3}, 3) == std::vector<std::string>{"2,3", "2,3", "2,3"});
  CHECK(rx::worker_namespace(0) == "tiersplit-compute");  // the compute tier of other commands
  CHECK(rx::worker_namespace(2) == "tiersplit-compute-2");
}

TEST_CASE("a groups run is set aside for slow matrix products, not for its pushdown probe") {
  const nlohmann::json speed = {
      {"storage_slowdown", 1.01}, {"compute_slowdown", 0.99}, {"pushdown_slowdown", 1.12}};
  CHECK_FALSE(rg::groups_run_unsettled(speed, 0.05));  // predicted again at its speed instead
  nlohmann::json slow_core = speed;
  slow_core["compute_slowdown"] = 1.09;
  CHECK(rg::groups_run_unsettled(slow_core, 0.05));
  CHECK_FALSE(rg::groups_run_unsettled(slow_core, 0.10));
  slow_core["storage_slowdown"] = 1.11;
  CHECK(rg::groups_run_unsettled(slow_core, 0.10));
}
