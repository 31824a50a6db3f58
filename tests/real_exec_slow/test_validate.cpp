// test_validate.cpp: `tiersplit validate` end to end on the one-machine testbed — one small
// model, two splits, one bandwidth, a few iterations: the report is complete and consistent
// (errors recomputed from its own numbers, the choice among the measured configurations), a
// second run resumes without measuring again; and bad input. No timing thresholds.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "real_exec/fixtures.hpp"

using namespace tiersplit::testing;
using nlohmann::json;

namespace {

json read_json(const std::string& file) {
  std::ifstream in(file);
  return json::parse(in);
}

/// MobileNetV2 at 64 px, B = 8: splits 0 and f = 18 only, storage batches 4 and 8, 1 Gbit/s.
std::string write_scenario(const std::string& dir, const std::string& extra_sweep = "") {
  const std::string file = dir + "/scenario.json";
  std::ofstream(file) << R"({
  "format": "tiersplit-scenario", "version": 1, "name": "validate-test",
  "platform": {
    "storage": {"pushdown_device": "this-machine", "memory": "2GiB", "disk_bandwidth": "1GBps"},
    "network": {"bandwidth": "1Gbit", "latency": "1ms"},
    "compute": {"device": "this-machine"}
  },
  "workload": {"tenants": [
    {"name": "mnv2", "model": "mobilenet_v2", "resolution": 64, "batch_size": 8,
     "dataset": {"samples": 400, "bytes_per_sample": "12.3KB", "samples_per_object": 8},
     "iterations": 3}
  ]},
  "search": {"splits": [0, 18], "storage_batches": [4, 8]})"
                      << extra_sweep << "\n}\n";
  return file;
}

std::string validate_args(const std::string& dir, const std::string& scenario) {
  return "validate " + scenario + " -o " + dir + "/report.json --state-dir " + dir +
         "/state --store dir://" + dir + "/store --testbed-dir " + dir + "/testbed --port " +
         std::to_string(free_port()) +
         " --iterations 2 --warmup 1 --max-configs 0 --allow-busy --calm-wait 4"
         " --remeasure-unsettled 0";
}

/// Gives `dir` the state (calibration, measurements and runs) and the store of an earlier
/// validate in `from`, so that validate there reuses all of it instead of measuring again.
void reuse_state(const std::string& from, const std::string& dir) {
  namespace fs = std::filesystem;
  const auto copy = fs::copy_options::recursive | fs::copy_options::overwrite_existing;
  fs::copy(fs::path(from) / "store", fs::path(dir) / "store", copy);
  fs::copy(fs::path(from) / "state", fs::path(dir) / "state", copy);
}

}  // namespace

TEST_CASE("validate: one model, two splits, one bandwidth - a complete, consistent report") {
  TestbedLock lock;
  const std::string dir = temp_dir("validate");
  const std::string scenario = write_scenario(dir);
  // doctest runs this body once per SUBCASE below: the first pass calibrates and measures, the
  // others start from a copy of its state (validate's own resume path), so that each SUBCASE
  // changes a state of its own.
  static std::string first_pass;
  if (!first_pass.empty()) reuse_state(first_pass, dir);
  auto r = tiersplit_cli(validate_args(dir, scenario) + " --plot " + dir + "/report.png");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  if (first_pass.empty()) first_pass = dir;
  json rep = read_json(dir + "/report.json");
  CHECK(rep["format"] == "tiersplit-validation");
  CHECK(rep["complete"] == true);
  REQUIRE(rep["points"].size() == 1);
  const json& point = rep["points"][0];
  CHECK(point["bandwidth"] == "1Gbit");
  CHECK(std::filesystem::exists(point["calibration"].get<std::string>()));
  CHECK(point["platform"]["network"]["model"]["bandwidth_factor"].get<double>() > 0);
  CHECK(point["platform"]["network"]["model"]["bandwidth_factor"].get<double>() <= 1);
  // Interference of the co-located tiers: each tier's in-situ work alone, with the other tier at
  // work, and alone again; the factor is busy / alone where that exceeds the drift between the
  // two alone measurements, else 1.
  const json cal = read_json(point["calibration"].get<std::string>());
  const json& in = cal["measured"]["interference"];
  for (const char* tier : {"storage", "compute"}) {
    CAPTURE(tier);
    const json& f = in["models"]["mobilenet_v2"][tier];
    const double before = f["alone_before_s"], after = f["alone_after_s"], busy = f["busy_s"];
    CHECK(before > 0);
    CHECK(after > 0);
    CHECK(busy > 0);
    const double alone = (before + after) / 2, ratio = busy / alone;
    CHECK(f["drift"].get<double>() == doctest::Approx(std::abs(after - before) / alone));
    CHECK(f["ratio"].get<double>() == doctest::Approx(ratio));
    CHECK(f["slowdown"].get<double>() ==
          doctest::Approx(ratio - 1 > f["drift"].get<double>() ? ratio : 1.0));
    CHECK(f["slowdown"].get<double>() >= 1.0);
    // One model: the platform's factor is the model's.
    CHECK(point["platform"]["interference"][std::string(tier) + "_slowdown"].get<double>() ==
          doctest::Approx(f["slowdown"].get<double>()));
  }
  // The compute tier per storage batch (4 and 8): the trainer's steps beside a server at that
  // batch only, against the same alone measurements; the platform lists each batch's factor.
  const json& alone = in["models"]["mobilenet_v2"]["compute"];
  const json& by_batch = in["models"]["mobilenet_v2"]["compute_by_storage_batch"];
  REQUIRE(by_batch.size() == 2);
  for (const char* b : {"4", "8"}) {
    CAPTURE(b);
    const json& f = by_batch[b];
    CHECK(f["alone_before_s"] == alone["alone_before_s"]);
    CHECK(f["alone_after_s"] == alone["alone_after_s"]);
    CHECK(f["busy_s"].get<double>() > 0);
    const double ratio = f["busy_s"].get<double>() / f["alone_s"].get<double>();
    CHECK(f["slowdown"].get<double>() ==
          doctest::Approx(ratio - 1 > f["drift"].get<double>() ? ratio : 1.0));
    CHECK(point["platform"]["interference"]["compute_slowdown_by_storage_batch"][b].get<double>() ==
          doctest::Approx(f["slowdown"].get<double>()));
  }
  // The profiles come from the last two alone measurements; more than two were taken only
  // because the earlier ones disagreed, and calibration stops early only once two agree.
  {
    const json& from = in["models"]["mobilenet_v2"]["profiles_from"];
    const auto n = from["alone_measurements"].get<int>();
    CHECK(n >= 2);
    CHECK(n <= 4);
    const double tol = from["tolerance"];
    const bool agree =
        from["storage_drift"].get<double>() <= tol && from["compute_drift"].get<double>() <= tol;
    if (n < 4) CHECK(agree);
    if (n == 2) {  // the pair is the one the interference factors used
      CHECK(from["storage_drift"].get<double>() ==
            doctest::Approx(in["models"]["mobilenet_v2"]["storage"]["drift"].get<double>()));
      CHECK(from["compute_drift"].get<double>() ==
            doctest::Approx(in["models"]["mobilenet_v2"]["compute"]["drift"].get<double>()));
    }
    const std::string state = point["calibration"].get<std::string>();
    const std::string cal_dir = state.substr(0, state.rfind('/'));
    for (int k = 1; k <= 2; ++k) {
      CAPTURE(k);
      const std::string again =
          cal_dir + "/insitu-mobilenet_v2-compute-steps-alone-again-" + std::to_string(k) + ".json";
      CHECK(std::filesystem::exists(again) == (k <= n - 2));
    }
  }
  // The machine's speed on both tiers, before and after the in-situ measurements.
  for (const char* tier : {"storage", "compute"}) {
    CAPTURE(tier);
    const json& sp = cal["measured"]["speed"][tier];
    const double b = sp["before"]["chunk_s"]["median"], a = sp["after"]["chunk_s"]["median"];
    CHECK(b > 0);
    CHECK(sp["chunk_s"]["median"].get<double>() == doctest::Approx((a + b) / 2));
  }
  REQUIRE(point["tenants"].size() == 1);
  const json& t = point["tenants"][0];
  CHECK(t["freeze_index"] == 18);
  const json& configs = t["configurations"];
  REQUIRE(configs.size() >= 2);

  bool saw0 = false, saw18 = false;
  double best = 1e300;
  for (const auto& c : configs) {
    const int64_t s = c["split"];
    CHECK((s == 0 || s == 18));
    saw0 = saw0 || s == 0;
    saw18 = saw18 || s == 18;
    CHECK(c["measured"]["iterations"] == 2);
    const double pred = c["predicted"]["iteration_s"], meas = c["measured"]["iteration_s"];
    CHECK(pred > 0);
    CHECK(meas > 0);
    CHECK(c["measured"]["min_s"].get<double>() <= meas);
    CHECK(c["measured"]["max_s"].get<double>() >= meas);
    CHECK(c["measured"]["bytes_per_iteration"].get<double>() > 0);
    // The error is what the report's own numbers give.
    CHECK(c["error"]["iteration"].get<double>() == doctest::Approx((pred - meas) / meas));
    CHECK(c["error"]["abs_iteration"].get<double>() ==
          doctest::Approx(std::abs(pred - meas) / meas));
    for (const char* stage : {"storage_s", "network_s", "compute_s"}) {
      CHECK(c["error"]["stage_s"][stage].get<double>() ==
            doctest::Approx(c["predicted"]["stages"][stage].get<double>() -
                            c["measured"]["stages"][stage].get<double>()));
    }
    CHECK(std::filesystem::exists(c["run"].get<std::string>()));
    CHECK(c["measured"]["objects_per_iteration"].get<double>() >= 1.0);
    // Probed before and after its run: the slowdowns are the probes' against the calibration.
    REQUIRE(c.contains("machine_speed"));
    const json& ms = c["machine_speed"];
    CHECK(ms["runs"] == 1);
    const json probes = read_json(c["run"].get<std::string>() + ".speed.json");
    for (const char* tier : {"storage", "compute"}) {
      const std::string key = std::string(tier) + "_slowdown";
      const double around = (probes["before"][tier]["chunk_s"]["median"].get<double>() +
                             probes["after"][tier]["chunk_s"]["median"].get<double>()) /
                            2;
      CHECK(ms[key].get<double>() ==
            doctest::Approx(around /
                            cal["measured"]["speed"][tier]["chunk_s"]["median"].get<double>()));
    }
    CHECK(ms["calm"] == (std::max(ms["storage_slowdown"].get<double>(),
                                  ms["compute_slowdown"].get<double>()) <= 1.05));
    CHECK(ms["waited_s"].get<double>() >= 0);
    best = std::min(best, meas);
  }
  CHECK(saw0);
  // The simulation reads the objects in the runs' order and measures the runs' iterations.
  const json sc = read_json(t["scenario"].get<std::string>());
  CHECK(sc["simulation"]["warmup"] == 1);
  CHECK(sc["workload"]["tenants"][0]["dataset"]["order"] == "shuffled");
  const json run = read_json(configs[0]["run"].get<std::string>());
  CHECK(run["config"]["seed"] == sc["workload"]["tenants"][0]["dataset"]["seed"]);
  CHECK(saw18);

  // The choice is one of the measured configurations; the summary agrees with them.
  const json& s = t["summary"];
  bool found = false;
  for (const auto& c : configs) {
    if (c["split"] == t["choice"]["split"] && c["storage_batch"] == t["choice"]["storage_batch"]) {
      found = true;
      CHECK(s["choice"]["measured_iteration_s"].get<double>() ==
            doctest::Approx(c["measured"]["iteration_s"].get<double>()));
    }
  }
  CHECK(found);
  CHECK(s["measured_best"]["iteration_s"].get<double>() == doctest::Approx(best));
  CHECK(s["choice_vs_measured_best"].get<double>() ==
        doctest::Approx(s["choice"]["measured_iteration_s"].get<double>() / best));
  CHECK(s["choice_within_tolerance"] == (s["choice_vs_measured_best"].get<double>() <= 1.05));
  CHECK(s.contains("speedup_vs_no_pushdown"));
  CHECK(s.contains("speedup_vs_all_frozen"));
  CHECK(rep["summary"]["configurations"] == configs.size());
  CHECK(rep["summary"]["cases"] == 1);
  CHECK(rep["summary"]["machine_calm"]["configurations"].get<std::size_t>() +
            rep["summary"]["machine_unsettled"]["configurations"].get<std::size_t>() ==
        configs.size());
  CHECK(std::filesystem::file_size(dir + "/report.png") > 0);

  // The summary table reads the report.
  auto table = tiersplit_cli("validation-table " + dir + "/report.json");
  INFO(table.output);
  CHECK(table.exit_code == 0);
  CHECK(table.output.find("| validate-test | mnv2 | 1Gbit |") != std::string::npos);

  SUBCASE("a second run resumes: nothing is measured again") {
    auto again = tiersplit_cli(validate_args(dir, scenario));
    INFO(again.output);
    REQUIRE(again.exit_code == 0);
    CHECK(again.output.find("reusing") != std::string::npos);
    CHECK(again.output.find("kept from") != std::string::npos);
    json rep2 = read_json(dir + "/report.json");
    const json& c2 = rep2["points"][0]["tenants"][0]["configurations"];
    REQUIRE(c2.size() == configs.size());
    for (std::size_t i = 0; i < c2.size(); ++i) CHECK(c2[i]["measured"] == configs[i]["measured"]);
  }

  SUBCASE("a run the probes show on an unsettled machine is set aside and measured again") {
    // Mark the first configuration's run as measured while the storage tier ran 1.5x slower
    // than at calibration (the probes' verdict, as run_machine_speed writes it); the second
    // as calm.
    const std::string first = configs[0]["run"], second = configs[1]["run"];
    for (const auto& [run, slowdown] : {std::pair{first, 1.5}, std::pair{second, 1.0}}) {
      json sp = read_json(run + ".speed.json");
      sp["storage_slowdown"] = slowdown;
      sp["compute_slowdown"] = 1.0;
      std::ofstream(run + ".speed.json") << sp.dump();
    }
    const std::string aside = first.substr(0, first.size() - 5) + ".unsettled-1.json";
    std::string args = validate_args(dir, scenario);
    args.replace(args.find("--remeasure-unsettled 0"), 23, "--remeasure-unsettled 1");
    auto again = tiersplit_cli(args);
    INFO(again.output);
    REQUIRE(again.exit_code == 0);
    CHECK(again.output.find("measuring it again, 1 of at most 1") != std::string::npos);
    CHECK(std::filesystem::exists(aside));
    CHECK(std::filesystem::exists(aside + ".speed.json"));
    CHECK(std::filesystem::exists(first));  // measured again
    json rep2 = read_json(dir + "/report.json");
    CHECK(rep2["settings"]["remeasure_unsettled"] == 1);
    const json& c2 = rep2["points"][0]["tenants"][0]["configurations"];
    REQUIRE(c2.size() == configs.size());
    REQUIRE(c2[0].contains("unsettled_runs"));
    REQUIRE(c2[0]["unsettled_runs"].size() == 1);
    const json& d = c2[0]["unsettled_runs"][0];
    CHECK(d["run"] == aside);
    CHECK(d["replaced_by"] == first);
    CHECK(d["storage_slowdown"].get<double>() == doctest::Approx(1.5));
    // The set-aside run keeps its own measurement; the configuration counts the new one only.
    CHECK(d["iteration_s"].get<double>() ==
          doctest::Approx(configs[0]["measured"]["iteration_s"].get<double>()));
    CHECK(c2[0]["measured"]["runs"] == 1);
    CHECK(c2[0]["run"] == first);
    // The calm run is kept as it was.
    CHECK_FALSE(c2[1].contains("unsettled_runs"));
    CHECK(c2[1]["measured"] == configs[1]["measured"]);

    // Once the allowance is spent the run counts, whatever the probes said.
    json sp = read_json(first + ".speed.json");
    sp["storage_slowdown"] = 1.5;
    std::ofstream(first + ".speed.json") << sp.dump();
    auto third = tiersplit_cli(args);
    INFO(third.output);
    REQUIRE(third.exit_code == 0);
    CHECK(third.output.find("measuring it again") == std::string::npos);
    CHECK(
        read_json(dir +
                  "/report.json")["points"][0]["tenants"][0]["configurations"][0]["unsettled_runs"]
            .size() == 1);
  }

  SUBCASE("--repeats 2 keeps the first round and measures a second one") {
    auto again = tiersplit_cli(validate_args(dir, scenario) + " --repeats 2");
    INFO(again.output);
    REQUIRE(again.exit_code == 0);
    CHECK(again.output.find("of round 1/2") != std::string::npos);
    CHECK(again.output.find("of round 2/2") != std::string::npos);
    json rep2 = read_json(dir + "/report.json");
    CHECK(rep2["settings"]["repeats"] == 2);
    const json& c2 = rep2["points"][0]["tenants"][0]["configurations"];
    REQUIRE(c2.size() == configs.size());
    for (std::size_t i = 0; i < c2.size(); ++i) {
      const json& m = c2[i]["measured"];
      CHECK(m["runs"] == 2);
      CHECK(m["iterations"] == 4);
      REQUIRE(c2[i]["runs"].size() == 2);
      CHECK(c2[i]["runs"][0] == configs[i]["run"]);  // the first round's run is kept
      CHECK(std::filesystem::exists(c2[i]["runs"][1].get<std::string>()));
      // The mean pools both runs: it lies between their means.
      const double a = m["run_iteration_s"][0], b = m["run_iteration_s"][1];
      CHECK(a == doctest::Approx(configs[i]["measured"]["iteration_s"].get<double>()));
      CHECK(m["iteration_s"].get<double>() == doctest::Approx((a + b) / 2));
      CHECK(m["se_s"].get<double>() == doctest::Approx(std::abs(a - b) / 2));
    }
  }
}

TEST_CASE("validate: real hosts named in the scenario, reached through a stand-in for ssh") {
  const std::string dir = temp_dir("validate-hosts");
  const std::string fake = std::string(TIERSPLIT_SOURCE_DIR) + "/tests/support/fake-ssh.sh";
  const std::string scenario =
      write_scenario(dir, R"(, "testbed": {"storage": {"host": "store1", "address": "127.0.0.1"},
                            "compute": {"host": "gpu1"}, "launcher": [")" +
                              fake + R"("]})");
  auto r = run_command("FAKE_SSH_LOG=" + dir + "/ssh.log TIERSPLIT_NO_PROGRESS=1 " +
                       TIERSPLIT_BINARY + " " + validate_args(dir, scenario));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  json rep = read_json(dir + "/report.json");
  CHECK(rep["complete"] == true);
  REQUIRE(rep["points"].size() == 1);
  const json& point = rep["points"][0];
  CHECK(point["testbed"]["mode"] == "hosts");
  CHECK(point["testbed"]["compute_host"] == "gpu1");
  CHECK(point["testbed"]["shared_dir"] == dir + "/state");
  const json& configs = point["tenants"][0]["configurations"];
  REQUIRE(configs.size() >= 2);
  for (const auto& c : configs) {
    const double pred = c["predicted"]["iteration_s"], meas = c["measured"]["iteration_s"];
    CHECK(meas > 0);
    CHECK(c["error"]["iteration"].get<double>() == doctest::Approx((pred - meas) / meas));
  }
  // Every tier command went through the launcher to its host: the server and the in-situ
  // block times to store1, the trainer runs and steps to gpu1.
  std::ifstream log(dir + "/ssh.log");
  int serve = 0, train = 0, elsewhere = 0;
  for (std::string line; std::getline(log, line);) {
    const bool on_store = line.rfind("store1: ", 0) == 0, on_gpu = line.rfind("gpu1: ", 0) == 0;
    if (on_store && line.find(" serve ") != std::string::npos) ++serve;
    if (on_gpu && line.find(" train ") != std::string::npos) ++train;
    if (!on_store && !on_gpu) ++elsewhere;
  }
  CHECK(serve >= 1);
  CHECK(train >= static_cast<int>(configs.size()));
  CHECK(elsewhere == 0);
}

TEST_CASE("validate: a bandwidth sweep with real hosts is refused (their link is not shaped)") {
  const std::string dir = temp_dir("validate-hosts-sweep");
  auto r = tiersplit_cli(validate_args(
      dir, write_scenario(dir, R"(, "testbed": {"storage": {"host": "a"}, "compute": {"host": "b"}},
                                   "sweep": {"bandwidth": ["1Gbit", "10Gbit"]})")));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("/sweep/bandwidth: the link between the hosts") != std::string::npos);
}

TEST_CASE("validate and calibrate: bad input and unusable testbeds give one clear line") {
  const std::string dir = temp_dir("validate-bad");
  SUBCASE("a sweep axis other than bandwidth") {
    auto r = tiersplit_cli(
        validate_args(dir, write_scenario(dir, R"(, "sweep": {"latency": ["1ms", "2ms"]})")));
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("/sweep: validate sweeps only \"bandwidth\"") != std::string::npos);
  }
  SUBCASE("an object store that does not answer") {
    TestbedLock lock;
    auto r = tiersplit_cli(
        "calibrate --testbed -m mobilenet_v2 --batch 8 --allow-busy --store "
        "swift://127.0.0.1:9/nothing --testbed-dir " +
        dir + "/testbed -o " + dir + "/cal");
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("Start Swift with scripts/swift-aio.sh") != std::string::npos);
    CHECK(r.output.find("Traceback") == std::string::npos);
  }
  SUBCASE("a file that is not a validation report") {
    auto r = tiersplit_cli("validation-table " + write_scenario(dir));
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("not a validation report") != std::string::npos);
  }
  SUBCASE("a missing scenario") {
    auto r = tiersplit_cli("validate " + dir + "/nope.json -o " + dir + "/r.json");
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("nope.json") != std::string::npos);
  }
}
