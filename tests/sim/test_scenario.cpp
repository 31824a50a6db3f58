// test_scenario.cpp: scenario parsing (units, defaults) and every bad-input case, each naming the
// JSON path and file.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "common/error.hpp"
#include "sim/scenario.hpp"
#include "sim/stage_costs.hpp"
#include "sim/study.hpp"
#include "sim_fixtures.hpp"

using namespace tiersplit;
using simtest::json;

namespace {

/// Loads `scenario` (with the toy profile) and prepares its study; returns the error message or "".
std::string error_of(const json& scenario, const simtest::ToySpec& spec = {}) {
  simtest::TempDir dir;
  std::string file = simtest::write_toy(dir, scenario, spec);
  try {
    sim::Scenario sc = sim::load_scenario(file);
    sim::ProfileCache cache;
    sim::prepare_study(sc, cache);
  } catch (const Error& e) {
    std::string msg = e.what();
    // The message names the file; strip the temporary directory for stable checks.
    auto pos = msg.find(dir.path.string());
    if (pos != std::string::npos) msg.replace(pos, dir.path.string().size(), "DIR");
    return msg;
  }
  return "";
}

}  // namespace

TEST_CASE("scenario: units are parsed as people write them") {
  simtest::TempDir dir;
  json j = simtest::toy_scenario();
  j["platform"]["network"]["bandwidth"] = "10Gbps";
  j["platform"]["network"]["latency"] = "50us";
  j["platform"]["storage"]["memory"] = "16GiB";
  j["platform"]["storage"]["disk_bandwidth"] = "125MBps";
  j["platform"]["network"]["core_link"] = {{"bandwidth", "40Gbps"}, {"latency", "1ms"}};
  j["platform"]["network"]["burst"] = "48KiB";
  sim::Scenario sc = sim::load_scenario(simtest::write_toy(dir, j));
  CHECK(sc.platform.network.burst_bytes == doctest::Approx(48.0 * 1024));
  CHECK(sc.platform.network.bandwidth == doctest::Approx(1.25e9));
  CHECK(sc.platform.network.latency_s == doctest::Approx(50e-6));
  CHECK(sc.platform.storage.memory_bytes == doctest::Approx(16.0 * 1073741824.0));
  CHECK(sc.platform.storage.disk_bandwidth == doctest::Approx(1.25e8));
  CHECK(sc.platform.network.core_bandwidth == doctest::Approx(5e9));
  CHECK(sc.platform.network.core_latency_s == doctest::Approx(1e-3));
  CHECK(sc.tenants.at(0).dataset.bytes_per_sample == doctest::Approx(1e5));
  CHECK(sc.tenants.at(0).profile_file == dir.file("toy.json"));
  // Deliberate network-model defaults: a clean flow model.
  CHECK(sc.platform.network.model.latency_factor == 1.0);
  CHECK(sc.platform.network.model.bandwidth_factor == 1.0);
  CHECK_FALSE(sc.platform.network.model.crosstraffic);
  CHECK(sc.simulation.prefetch_depth == 1);
}

TEST_CASE("scenario: the shipped quickstart and examples parse") {
  // Parsing resolves shipped profiles; skip files whose profiles are not measured yet.
  for (const char* name : {"quickstart.json", "resnet50-t4-1gbps.json", "resnet50-t4-10gbps.json",
                           "vgg19-t4-1gbps.json", "vgg19-t4-10gbps.json", "mixed-7-tenants.json",
                           "cpu-only-storage.json"}) {
    std::string file = std::string(TIERSPLIT_SOURCE_DIR) + "/scenarios/" + name;
    CAPTURE(file);
    try {
      sim::Scenario sc = sim::load_scenario(file);
      CHECK(!sc.tenants.empty());
    } catch (const Error& e) {
      std::string msg = e.what();
      CAPTURE(msg);
      CHECK(msg.find("no shipped profile") != std::string::npos);
    }
  }
}

TEST_CASE("scenario: a missing field names its JSON path and file") {
  json j = simtest::toy_scenario();
  j["platform"]["network"].erase("bandwidth");
  std::string msg = error_of(j);
  CHECK(msg == "DIR/scenario.json: /platform/network/bandwidth: missing required field");
}

TEST_CASE("scenario: a wrong unit names its JSON path and file") {
  json j = simtest::toy_scenario();
  j["platform"]["network"]["bandwidth"] = "1GB";
  std::string msg = error_of(j);
  CHECK(msg.find("DIR/scenario.json: /platform/network/bandwidth: ") == 0);
  CHECK(msg.find("unknown bandwidth unit 'GB'") != std::string::npos);

  j = simtest::toy_scenario();
  j["platform"]["network"]["latency"] = 50;
  msg = error_of(j);
  CHECK(msg.find("/platform/network/latency: '50' has no unit") != std::string::npos);
}

TEST_CASE("scenario: an unknown key suggests the closest valid one") {
  json j = simtest::toy_scenario();
  j["platform"]["network"]["bandwith"] = "1Gbps";
  std::string msg = error_of(j);
  CHECK(msg.find("DIR/scenario.json: /platform/network/bandwith: unknown field") == 0);
  CHECK(msg.find("did you mean 'bandwidth'") != std::string::npos);

  j = simtest::toy_scenario();
  j["workload"]["tenants"][0]["storage_bach"] = 4;
  msg = error_of(j);
  CHECK(msg.find("/workload/tenants/0/storage_bach: unknown field") != std::string::npos);
  CHECK(msg.find("storage_batch") != std::string::npos);
}

TEST_CASE("scenario: a split beyond the freeze index is an error") {
  json j = simtest::toy_scenario();
  j["workload"]["tenants"][0]["split"] = 4;  // toy freeze index is 3
  std::string msg = error_of(j);
  CHECK(msg.find(
            "DIR/scenario.json: /workload/tenants/0/split: split 4 is beyond the freeze index 3") ==
        0);
}

TEST_CASE("scenario: a storage batch larger than the training batch is an error") {
  json j = simtest::toy_scenario();
  j["workload"]["tenants"][0]["storage_batch"] = 128;
  std::string msg = error_of(j);
  CHECK(msg ==
        "DIR/scenario.json: /workload/tenants/0/storage_batch: storage batch 128 is larger than "
        "the training batch 64");
}

TEST_CASE("scenario: a profile far below the needed batch size is an error") {
  simtest::ToySpec spec;
  spec.max_batch = 8;  // measured 1..8 but B = 64, beyond 4 x 8
  json j = simtest::toy_scenario();
  std::string msg = error_of(j, spec);
  CAPTURE(msg);
  CHECK(msg.find("DIR/scenario.json: /workload/tenants/0/batch_size: the profile ") == 0);
  CHECK(msg.find("toy.json lacks training batch 64") != std::string::npos);
  CHECK(msg.find("measured batch sizes 1..8, predicted up to 16") != std::string::npos);

  j["simulation"]["allow_extrapolation"] = true;
  CHECK(error_of(j, spec).empty());
}

TEST_CASE("scenario: a batch within 2x of the largest measured one runs and says it extrapolates") {
  simtest::ToySpec spec;
  spec.max_batch = 32;  // B = 64 and b = 16 at split 2
  json j = simtest::toy_scenario();
  CHECK(error_of(j, spec).empty());
  simtest::TempDir dir;
  sim::ProfileCache cache;
  sim::Study st = sim::prepare_study(sim::load_scenario(simtest::write_toy(dir, j, spec)), cache);
  const auto rows = sim::closed_form_rows(st, 0);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].extrapolated);
  spec.max_batch = 64;
  sim::ProfileCache fresh;  // the file changed: a new cache reads it again
  st = sim::prepare_study(sim::load_scenario(simtest::write_toy(dir, j, spec)), fresh);
  CHECK_FALSE(sim::closed_form_rows(st, 0)[0].extrapolated);
}

TEST_CASE("scenario: other bad values") {
  json j = simtest::toy_scenario();
  j["version"] = 2;
  CHECK(error_of(j).find("/version: unsupported version 2") != std::string::npos);

  j = simtest::toy_scenario();
  j["workload"]["tenants"][0]["epochs"] = 1;  // both epochs and iterations
  CHECK(error_of(j).find("/workload/tenants/0: give exactly one of") != std::string::npos);

  j = simtest::toy_scenario();
  j["workload"]["tenants"][0]["split"] = "serch";
  CHECK(error_of(j).find("/workload/tenants/0/split: expected an integer or \"search\"") !=
        std::string::npos);

  j = simtest::toy_scenario();
  j["platform"]["network"]["burst"] = "-4kB";
  CHECK(error_of(j).find("/platform/network/burst: '-4kB' is not a size") != std::string::npos);

  j = simtest::toy_scenario();
  j["sweep"] = {{"bandwidth", json::array()}};
  CHECK(error_of(j).find("/sweep/bandwidth: must not be empty") != std::string::npos);

  j = simtest::toy_scenario();
  j["sweep"] = {{"bandwidth", {"1Gbps", "fast"}}};
  CHECK(error_of(j).find("/sweep/bandwidth/1: 'fast' is not a bandwidth") != std::string::npos);

  j = simtest::toy_scenario();
  j["workload"]["tenants"][0]["profile"] = "missing.json";
  CHECK(error_of(j).find("missing.json: cannot open file") != std::string::npos);

  j = simtest::toy_scenario();
  j["platform"]["storage"]["pushdown_device"] = "nvidia-t5";
  CHECK(error_of(j).find("/platform/storage/pushdown_device: ") != std::string::npos);
  j = simtest::toy_scenario();
  j["platform"]["interference"] = {{"storage_slowdown", 0.5}};
  CHECK(error_of(j).find("/platform/interference/storage_slowdown: must be a factor in [1, 100]") !=
        std::string::npos);

  j = simtest::toy_scenario();
  j["platform"]["interference"] = {{"compute_slowdown_by_storage_batch", {{"x16", 1.2}}}};
  CHECK(error_of(j).find("/platform/interference/compute_slowdown_by_storage_batch/x16: the key "
                         "must be a storage batch, an integer >= 1") != std::string::npos);
  j["platform"]["interference"] = {{"compute_slowdown_by_storage_batch", {{"16", 0.9}}}};
  CHECK(error_of(j).find("/platform/interference/compute_slowdown_by_storage_batch/16: must be a "
                         "factor in [1, 100]") != std::string::npos);
  j["platform"]["interference"] = {{"compute_slowdown_by_storage_batch", 1.2}};
  CHECK(error_of(j).find("/platform/interference/compute_slowdown_by_storage_batch: expected an "
                         "object") != std::string::npos);

  j = simtest::toy_scenario();
  j["workload"]["tenants"][0]["dataset"]["order"] = "random";
  CHECK(error_of(j).find("/workload/tenants/0/dataset/order: 'random' is not shuffled or stored") !=
        std::string::npos);
  j = simtest::toy_scenario();
  j["simulation"]["warmup"] = 40;
  CHECK(error_of(j).find("/simulation/warmup: 40 warm-up iterations leave none of the 40") !=
        std::string::npos);
}

TEST_CASE("scenario: the compute tier's interference per storage batch") {
  simtest::TempDir dir;
  json j = simtest::toy_scenario();
  j["platform"]["interference"] = {
      {"compute_slowdown", 1.5},
      {"compute_slowdown_by_storage_batch", {{"1", 1.0}, {"4", 1.1}, {"16", 1.3}}}};
  const sim::InterferenceParams in =
      sim::load_scenario(simtest::write_toy(dir, j)).platform.interference;
  REQUIRE(in.compute_slowdown_by_storage_batch.size() == 3);
  CHECK(in.any());
  // A listed batch takes its own factor; any other the nearest listed one in log2 (the larger
  // on a tie), never the all-batches factor.
  CHECK(in.compute_slowdown_at(4) == doctest::Approx(1.1));
  CHECK(in.compute_slowdown_at(2) == doctest::Approx(1.1));  // log2 distance 1 to 1 and to 4
  CHECK(in.compute_slowdown_at(8) == doctest::Approx(1.3));
  CHECK(in.compute_slowdown_at(32) == doctest::Approx(1.3));
  CHECK(in.compute_slowdown_at(1) == doctest::Approx(1.0));

  sim::InterferenceParams flat;
  flat.compute_slowdown = 1.5;
  CHECK(flat.compute_slowdown_at(16) == doctest::Approx(1.5));
  sim::InterferenceParams ones;
  ones.compute_slowdown_by_storage_batch = {{1, 1.0}, {32, 1.0}};
  CHECK_FALSE(ones.any());
}

TEST_CASE("scenario: the embedded quickstart is scenarios/quickstart.json") {
  std::ifstream in(std::string(TIERSPLIT_SOURCE_DIR) + "/scenarios/quickstart.json");
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(sim::embedded_quickstart_text() == ss.str());
}
