// test_groups_validate.cpp: `tiersplit validate` on a groups scenario end to end — two worker
// namespaces on the testbed (`groups run --testbed`), calibration, the Gloo probe, every
// strategy's best and MTP per configuration run for real at one bandwidth: the report is complete
// and consistent (errors from its own numbers, every run's samples once, the choice among the
// runs, the compute network from the probe), and a second validate resumes without running
// again. No timing thresholds.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "real_exec/fixtures.hpp"

using namespace tiersplit::testing;
using nlohmann::json;

namespace {

json read_json(const std::string& file) {
  std::ifstream in(file);
  return json::parse(in);
}

/// MobileNetV2 at 64 px frozen at f = 18; 3 groups (40, 24, 16 training samples) x 2
/// configurations x 1 epoch on 2 workers; storage batch 8; 50 Mbit/s.
std::string write_scenario(const std::string& dir) {
  const std::string file = dir + "/scenario.json";
  std::ofstream(file) << R"({
  "format": "tiersplit-scenario", "version": 1, "name": "groups-validate-test",
  "platform": {
    "storage": {"pushdown_device": "this-machine", "memory": "2GiB", "disk_bandwidth": "1GBps"},
    "network": {"bandwidth": "50Mbit", "latency": "1ms"},
    "compute": {"nodes": 2, "device": "this-machine", "memory": "4GiB"}
  },
  "workload": {"groups": {
    "model": "mobilenet_v2", "resolution": 64, "batch_size": 8, "classes": 10,
    "dataset": {"bytes_per_sample": "12.3KB", "samples_per_object": 16},
    "sizes": [40, 24, 16],
    "configurations": {"heads": [{"kind": "linear"}, {"kind": "mlp", "hidden": 16}],
                       "optimizers": [{"name": "sgd", "state": 1}],
                       "learning_rates": [0.1], "epochs": [1]}
  }},
  "strategy": "search",
  "search": {"storage_batches": [8]}
}
)";
  return file;
}

/// Brings the test's testbed down however the test ends (validate does on success only).
struct TestbedDown {
  std::string dir;
  ~TestbedDown() { tiersplit_cli("testbed --state-dir " + dir + " down"); }
};

}  // namespace

TEST_CASE(
    "validate on a groups scenario: two worker namespaces, every strategy run, a consistent "
    "report, a second validate runs nothing again") {
  TestbedLock lock;
  const std::string dir = temp_dir("groups-validate");
  TestbedDown down{dir + "/testbed"};
  const std::string args =
      "validate " + write_scenario(dir) + " -o " + dir + "/report.json --state-dir " + dir +
      "/state --store dir://" + dir + "/store --testbed-dir " + dir + "/testbed --port " +
      std::to_string(free_port()) + " --allow-busy --no-speed-probes --service-seconds 3";
  auto r = tiersplit_cli(args);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const json rep = read_json(dir + "/report.json");
  CHECK(rep.at("format") == "tiersplit-groups-validation");
  CHECK(rep.at("workers") == 2);
  REQUIRE(rep.at("points").size() == 1);
  const json& point = rep.at("points").at(0);
  CHECK(point.at("bandwidth") == "50Mbit");
  CHECK(point.at("testbed").at("workers") == 2);
  CHECK(point.at("testbed").at("worker_namespaces").size() == 2);
  // The compute network comes from the Gloo probe: a latency, and the large all-reduce's
  // bandwidth, no more than the links' nominal 1 Gbit/s.
  const json& gloo = point.at("gloo");
  CHECK(gloo.at("world") == 2);
  CHECK(gloo.at("allreduce_s").get<double>() > 0);
  CHECK(gloo.at("allreduce_large_s").get<double>() > 0);
  CHECK(gloo.at("model_bandwidth_bytes_per_s").get<double>() > 0);
  CHECK(gloo.at("model_bandwidth_bytes_per_s").get<double>() <= 125e6);
  // The server timed under as many streams as the workers keep in flight (2 x prefetch 2), and
  // the predictions' storage side scaled to it: blocks at its CPU time, object reads no cheaper
  // than calibrated.
  const json& service = point.at("storage_service");
  CHECK(service.at("measured").at("streams") == 4);
  CHECK(service.at("measured").at("requests").get<int64_t>() >= 8);
  CHECK(service.at("measured").at("elapsed_s").get<double>() >= 3);  // --service-seconds 3
  const double wall = service.at("measured").at("block_s").get<double>();
  const double cpu = service.at("measured").at("block_cpu_s").get<double>();
  CHECK(cpu > 0);
  CHECK(cpu <= wall * 1.05);  // the blocks' CPU time within their wall time (clock granularity)
  CHECK(service.at("applied").at("blocks_factor").get<double>() > 0);
  CHECK(service.at("applied").at("request_overhead_s").get<double>() >=
        service.at("applied").at("request_overhead_calibrated_s").get<double>());
  const json predicted = read_json(dir + "/state/point-0-50Mbit/prediction-scenario.json");
  const std::string storage_profile = predicted.at("workload").at("groups").at("storage_profile");
  CHECK(storage_profile.find("storage-under-load.json") != std::string::npos);
  // Every strategy's best and MTP with a stream per configuration, each run once, for real.
  std::set<std::string> strategies, labels;
  for (const auto& run : point.at("runs")) {
    const std::string label = run.at("label");
    CAPTURE(label);
    labels.insert(label);
    strategies.insert(run.at("choice").at("strategy").get<std::string>());
    CHECK(run.at("exactly_once") == true);
    const json report = read_json(run.at("report").get<std::string>());
    CHECK(report.at("workers_count") == 2);
    CHECK(report.at("checks").at("exactly_once") == true);
    CHECK(report.at("totals").at("storage_bytes").get<int64_t>() > 0);
    CHECK(report.at("totals").at("server_compute_cpu_s").get<double>() > 0);
    CHECK(run.at("measured_s").get<double>() ==
          doctest::Approx(report.at("training_makespan_s").get<double>()));
    CHECK(run.at("predicted_s").get<double>() > 0);
    CHECK(run.at("error").get<double>() ==
          doctest::Approx(run.at("predicted_s").get<double>() / run.at("measured_s").get<double>() -
                          1));
    if (run.at("choice").at("strategy") == "dp")
      CHECK(report.at("totals").at("gloo_calls").get<int64_t>() > 4);  // all-reduces
  }
  CHECK(strategies == std::set<std::string>{"mtp", "gtp", "dp", "sp", "gl"});
  CHECK(labels.count("mtp/per-config") == 1);
  // The choice is one of the runs; the measured best is the fastest of them.
  const json& sum = point.at("summary");
  CHECK(labels.count(point.at("choice").get<std::string>()) == 1);
  double best = 1e300;
  std::string best_label;
  for (const auto& run : point.at("runs")) {
    if (run.at("measured_s").get<double>() < best) {
      best = run.at("measured_s");
      best_label = run.at("label");
    }
  }
  CHECK(sum.at("measured_best") == best_label);
  CHECK(sum.at("choice_vs_measured_best").get<double>() >= 1.0);
  CHECK(rep.at("summary").at("runs") == point.at("runs").size());
  // Again: everything is in the state folder, nothing runs (the run reports stay as they were).
  const auto stamp = std::filesystem::last_write_time(point.at("runs").at(0).at("report"));
  auto again = tiersplit_cli(args);
  INFO(again.output);
  REQUIRE(again.exit_code == 0);
  CHECK(again.output.find("running ") == std::string::npos);
  CHECK(std::filesystem::last_write_time(point.at("runs").at(0).at("report")) == stamp);
  CHECK(read_json(dir + "/report.json").at("points").at(0).at("runs") == point.at("runs"));
}
