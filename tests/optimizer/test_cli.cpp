// test_cli.cpp: `tiersplit recommend` end to end through the built binary.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "sim/sim_fixtures.hpp"
#include "support/command.hpp"

using simtest::json;
using tiersplit::testing::tiersplit_cli;

namespace {

std::string slurp(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string source(const std::string& rel) {
  return std::string(TIERSPLIT_SOURCE_DIR) + "/" + rel;
}

}  // namespace

TEST_CASE(
    "recommend cli: a shipped scenario gives every documented field, a summary and a PNG plot") {
  simtest::TempDir dir;
  std::string out = dir.file("rec.json"), png = dir.file("rec.png");
  auto r = tiersplit_cli("recommend '" + source("scenarios/quickstart.json") + "' -o '" + out +
                         "' --plot '" + png + "' -j 2");
  CAPTURE(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("recommendation for quickstart") != std::string::npos);
  json doc = json::parse(slurp(out));
  CHECK(doc["format"] == "tiersplit-recommendation");
  CHECK(doc["version"] == 1);
  REQUIRE(doc["points"].size() >= 2);  // swept bandwidths
  for (const auto& p : doc["points"]) {
    for (const char* k :
         {"labels", "prefetch_depth", "makespan_s", "search", "memory", "baselines", "tenants"}) {
      CHECK_MESSAGE(p.contains(k), k);
    }
    REQUIRE(p["tenants"].size() == 2);
    for (const auto& t : p["tenants"]) {
      for (const char* k : {"name", "model", "choice", "predicted", "memory", "baselines",
                            "runner_ups", "sensitivity"}) {
        CHECK_MESSAGE(t.contains(k), k);
      }
      for (const char* k :
           {"iteration_s", "job_s", "bytes_per_iteration", "job_bytes", "bottleneck"}) {
        CHECK_MESSAGE(t["predicted"].contains(k), k);
      }
      CHECK(t["predicted"]["source"] == "simulation");
      REQUIRE(t["baselines"].size() == 4);
      CHECK(t["baselines"][3]["name"] == "reference-policy");
      CHECK(t["baselines"][0].contains("speedup"));
      CHECK(t["sensitivity"]["bandwidth"].contains("low_bytes_per_s"));
      CHECK(t["sensitivity"].contains("storage_speed"));
    }
    CHECK(p["memory"]["storage_used_bytes"].get<double>() <=
          p["memory"]["storage_capacity_bytes"].get<double>());
  }
  std::string png_bytes = slurp(png);
  REQUIRE(png_bytes.size() > 8);
  CHECK(png_bytes.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  CHECK(slurp(dir.file("rec-p1.png")).substr(0, 4) == std::string("\x89PNG", 4));
}

TEST_CASE("recommend cli: an infeasible scenario exits 2 and says why") {
  simtest::TempDir dir;
  json j = simtest::toy_scenario();
  j["workload"]["tenants"][0]["split"] = "search";
  j["platform"]["compute"]["memory"] = "1MB";
  std::string file = simtest::write_toy(dir, j);
  auto r = tiersplit_cli("recommend '" + file + "' -o '" + dir.file("rec.json") + "'");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("no feasible configuration") != std::string::npos);
  CHECK(r.output.find("compute memory") != std::string::npos);
  CHECK(r.output.find("/workload/tenants/0") != std::string::npos);
}

TEST_CASE("recommend cli: a bad scenario names the JSON path") {
  simtest::TempDir dir;
  json j = simtest::toy_scenario();
  j["platform"]["network"]["bandwith"] = "1Gbps";  // misspelt
  std::string file = simtest::write_toy(dir, j);
  auto r = tiersplit_cli("recommend '" + file + "' -o '" + dir.file("rec.json") + "'");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("/platform/network") != std::string::npos);
  CHECK(r.output.find("Segmentation") == std::string::npos);
}

TEST_CASE("recommend cli: bad options are errors, not crashes") {
  auto r = tiersplit_cli("recommend '" + source("scenarios/quickstart.json") +
                         "' --objective speed -o /tmp/x.json");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--objective") != std::string::npos);
}
