// test_cli.cpp: `tiersplit simulate` and `tiersplit sweep` end to end through the built binary.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "sim_fixtures.hpp"

using simtest::json;

namespace {

struct Outcome {
  int code = -1;
  std::string out, err;
};

std::string slurp(const std::string& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Outcome run(const simtest::TempDir& dir, const std::string& args) {
  std::string cmd = "cd '" + dir.path.string() + "' && TIERSPLIT_NO_PROGRESS=1 '" +
                    TIERSPLIT_BINARY + "' " + args + " > out.txt 2> err.txt";
  int status = std::system(cmd.c_str());
  Outcome o;
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = slurp(dir.file("out.txt"));
  o.err = slurp(dir.file("err.txt"));
  return o;
}

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

json searching_scenario() {
  json j = simtest::toy_scenario();
  j["workload"]["tenants"][0]["split"] = "search";
  j["workload"]["tenants"][0]["storage_batch"] = "search";
  j["workload"]["tenants"][0]["iterations"] = 20;
  j["search"] = {{"storage_batches", {4, 16, 64}}};
  j["sweep"] = {{"bandwidth", {"1Gbps", "10Gbps"}}};
  j["simulation"]["iterations"] = 20;
  return j;
}

}  // namespace

TEST_CASE("cli: sweep covers the space, writes JSON and CSV, prints the best") {
  simtest::TempDir dir;
  simtest::write_toy(dir, searching_scenario());
  Outcome o = run(dir, "sweep scenario.json -o results.json --csv results.csv -j 2");
  CAPTURE(o.err);
  REQUIRE(o.code == 0);
  json doc = json::parse(slurp(dir.file("results.json")));
  CHECK(doc["format"] == "tiersplit-results");
  CHECK(doc["configurations"] == 4 * 3 * 2);  // splits 0..3 x 3 batches x 2 bandwidths
  REQUIRE(doc["results"].size() == 24);
  for (std::size_t i = 0; i < 24; ++i) CHECK(doc["results"][i]["config"] == i);
  CHECK(doc["best"].size() == 2);
  CHECK(lines(slurp(dir.file("results.csv"))) == 25);
  CHECK(o.out.find("best configuration") != std::string::npos);

  // Two shards cover the same configurations.
  Outcome s1 = run(dir, "sweep scenario.json -o s1.json --shard 1/2 -q");
  Outcome s2 = run(dir, "sweep scenario.json -o s2.json --shard 2/2 -q");
  REQUIRE(s1.code == 0);
  REQUIRE(s2.code == 0);
  CHECK(json::parse(slurp(dir.file("s1.json")))["results"].size() +
            json::parse(slurp(dir.file("s2.json")))["results"].size() ==
        24);
}

TEST_CASE("cli: simulate prints a table, writes JSON and a Chrome trace") {
  simtest::TempDir dir;
  simtest::write_toy(dir, searching_scenario());
  Outcome o = run(
      dir, "simulate scenario.json --split 2 --storage-batch 16 -o sim.json --trace trace.json");
  CAPTURE(o.err);
  REQUIRE(o.code == 0);
  CHECK(o.out.find("iteration") != std::string::npos);
  json doc = json::parse(slurp(dir.file("sim.json")));
  REQUIRE(doc["results"].size() == 2);  // one per bandwidth
  CHECK(doc["results"][0]["split"] == 2);
  CHECK(doc["results"][0]["storage_batch"] == 16);
  json trace = json::parse(slurp(dir.file("trace.json")));
  CHECK(trace["traceEvents"].size() > 10);
}

TEST_CASE("cli: a bad scenario gives exit 2 and one line naming path and file") {
  simtest::TempDir dir;
  json j = searching_scenario();
  j["platform"]["network"]["bandwith"] = j["platform"]["network"]["bandwidth"];
  j["platform"]["network"].erase("bandwidth");
  simtest::write_toy(dir, j);
  for (const char* cmd : {"sweep scenario.json -o r.json", "simulate scenario.json"}) {
    CAPTURE(cmd);
    Outcome o = run(dir, cmd);
    CHECK(o.code == 2);
    CHECK(lines(o.err) == 1);
    CHECK(
        o.err.find(
            "scenario.json: /platform/network/bandwith: unknown field, did you mean 'bandwidth'") !=
        std::string::npos);
  }
  simtest::write_toy(dir, searching_scenario());
  Outcome o = run(dir, "simulate scenario.json --split 9");
  CHECK(o.code == 2);
  CHECK(lines(o.err) == 1);
  CHECK(o.err.find("--split 9 is beyond the freeze index 3") != std::string::npos);
  o = run(dir, "sweep scenario.json --shard 3/2");
  CHECK(o.code == 2);
  CHECK(lines(o.err) == 1);
  o = run(dir, "simulate missing.json");
  CHECK(o.code == 2);
  CHECK(o.err.find("missing.json: cannot open file") != std::string::npos);
}

TEST_CASE(
    "cli: the main command sweeps the built-in quickstart and prints the best configuration") {
  std::string shipped = std::string(TIERSPLIT_SOURCE_DIR) + "/profiles/data/resnet18-r64.json";
  if (!std::ifstream(shipped)) {
    MESSAGE("shipped profiles not measured yet; skipped");
    return;
  }
  simtest::TempDir dir;
  Outcome o = run(dir, "sweep -o quickstart.json");
  CAPTURE(o.err);
  REQUIRE(o.code == 0);
  CHECK(o.out.find("best configuration") != std::string::npos);
  json doc = json::parse(slurp(dir.file("quickstart.json")));
  CHECK(doc["scenario"] == "quickstart");
  CHECK(doc["best"].size() == 6);  // 3 bandwidths x 2 tenants
  for (const auto& r : doc["results"]) CHECK(r["source"] == "simulation");
}

namespace {

/// `tiersplit simulate` of the toy at one (split, storage batch) with /platform/interference
/// set to `interference` (none when null): the first result row.
json simulate_colocated(int split, const json& interference) {
  simtest::TempDir dir;
  json j = simtest::toy_scenario();
  if (!interference.is_null()) j["platform"]["interference"] = interference;
  simtest::write_toy(dir, j);
  const std::string cmd =
      "simulate scenario.json --split " + std::to_string(split) + " --storage-batch 16 -o sim.json";
  Outcome o = run(dir, cmd);
  CAPTURE(o.err);
  REQUIRE(o.code == 0);
  return json::parse(slurp(dir.file("sim.json")))["results"][0];
}

}  // namespace

// Interference needs a process of its own per setting (one SimGrid platform per process), so
// these go through the binary.
TEST_CASE("cli: co-located tiers slow each other only while both execute") {
  const json base = simulate_colocated(2, nullptr);

  SUBCASE("factors of 1 are separate machines") {
    json same = simulate_colocated(2, {{"storage_slowdown", 1.0}, {"compute_slowdown", 1.0}});
    CHECK(same["iteration_s"].get<double>() ==
          doctest::Approx(base["iteration_s"].get<double>()).epsilon(1e-9));
  }
  SUBCASE(
      "storage slowed while the compute tier executes: longer by at most what the overlap allows") {
    json slow = simulate_colocated(2, {{"storage_slowdown", 2.0}});
    const double t0 = base["iteration_s"].get<double>(), t1 = slow["iteration_s"].get<double>();
    // Per iteration the compute tier executes compute_busy x iteration seconds; storage work done
    // meanwhile takes twice as long, so the storage stage grows by at most half of that.
    const double compute_s = base["compute_busy"].get<double>() * t0;
    CHECK(t1 > t0 * 1.001);
    CHECK(t1 <= t0 + 0.5 * compute_s * 1.01);
    // The closed form's fixed point follows the simulation.
    CHECK(slow["closed_form_iteration_s"].get<double>() == doctest::Approx(t1).epsilon(0.05));
  }
  SUBCASE("per storage batch: the factor of the batch the storage tier executes") {
    // The toy runs at storage batch 16: its factor applies, another batch's does not, and a
    // factor listed for 16 acts as the all-batches factor would.
    json flat = simulate_colocated(2, {{"compute_slowdown", 2.0}});
    json at16 =
        simulate_colocated(2, {{"compute_slowdown_by_storage_batch", {{"1", 1.0}, {"16", 2.0}}}});
    json at1 =
        simulate_colocated(2, {{"compute_slowdown", 2.0},
                               {"compute_slowdown_by_storage_batch", {{"1", 2.0}, {"16", 1.0}}}});
    const double t0 = base["iteration_s"].get<double>();
    CHECK(flat["iteration_s"].get<double>() > t0 * 1.001);
    CHECK(at16["iteration_s"].get<double>() ==
          doctest::Approx(flat["iteration_s"].get<double>()).epsilon(1e-9));
    CHECK(at1["iteration_s"].get<double>() == doctest::Approx(t0).epsilon(1e-9));
    CHECK(at16["closed_form_iteration_s"].get<double>() ==
          doctest::Approx(flat["closed_form_iteration_s"].get<double>()).epsilon(1e-9));
    CHECK(at1["closed_form_iteration_s"].get<double>() ==
          doctest::Approx(base["closed_form_iteration_s"].get<double>()).epsilon(1e-9));
  }
  SUBCASE("no pushdown: the storage tier executes nothing, so the compute tier is never slowed") {
    json none = simulate_colocated(0, nullptr);
    json slow = simulate_colocated(0, {{"storage_slowdown", 3.0}, {"compute_slowdown", 3.0}});
    CHECK(slow["iteration_s"].get<double>() ==
          doctest::Approx(none["iteration_s"].get<double>()).epsilon(1e-9));
    CHECK(slow["closed_form_iteration_s"].get<double>() ==
          doctest::Approx(none["closed_form_iteration_s"].get<double>()).epsilon(1e-9));
  }
}
