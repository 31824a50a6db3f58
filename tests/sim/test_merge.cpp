// test_merge.cpp: sweeps cut into shards (--shard i/n) and merged back (tiersplit merge), through
// the built binary.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "sim_fixtures.hpp"

using simtest::json;

namespace {

std::string slurp(const std::string& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Outcome {
  int code = -1;
  std::string err;
};

Outcome run_cli(const simtest::TempDir& dir, const std::string& args) {
  const std::string cmd = "cd '" + dir.path.string() + "' && TIERSPLIT_NO_PROGRESS=1 '" +
                          TIERSPLIT_BINARY + "' " + args + " > out.txt 2> err.txt";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir.file("err.txt"))};
}

/// A sweep of 2 tenants (one searching) at 3 bandwidths: 3 x (1 + 16) configurations.
json two_tenant_sweep() {
  json j = simtest::toy_scenario();
  j["workload"]["tenants"][0]["split"] = "search";
  j["workload"]["tenants"][0]["storage_batch"] = "search";
  j["workload"]["tenants"][0]["iterations"] = 30;
  json b = j["workload"]["tenants"][0];
  b["name"] = "b";
  b["split"] = 1;
  b["storage_batch"] = 16;
  b["arrival"] = "0.2s";
  j["workload"]["tenants"].push_back(b);
  j["search"] = {{"storage_batches", {4, 16, 32, 64}}};
  j["sweep"] = {{"bandwidth", {"100Mbps", "1Gbps", "10Gbps"}}};
  j["simulation"]["iterations"] = 20;
  return j;
}

}  // namespace

TEST_CASE("merge: the shards of a sweep merge into the unsharded sweep's file, byte for byte") {
  simtest::TempDir dir;
  simtest::write_toy(dir, two_tenant_sweep());
  REQUIRE(run_cli(dir, "sweep scenario.json -q -j 2 -o whole.json").code == 0);
  for (int i = 1; i <= 4; ++i) {
    const std::string k = std::to_string(i);
    REQUIRE(run_cli(dir, "sweep scenario.json -q -j 1 --shard " + k + "/4 -o part" + k + ".json")
                .code == 0);
  }
  // Any order of the shard files.
  Outcome m = run_cli(dir, "merge part3.json part1.json part4.json part2.json -q -o merged.json");
  CAPTURE(m.err);
  REQUIRE(m.code == 0);
  const std::string whole = slurp(dir.file("whole.json"));
  CHECK(json::parse(whole)["results"].size() > 40);
  CHECK(slurp(dir.file("merged.json")) == whole);
}

TEST_CASE("merge: missing, repeated or foreign shards are refused with one line, exit 2") {
  simtest::TempDir dir;
  simtest::write_toy(dir, two_tenant_sweep());
  for (int i = 1; i <= 3; ++i) {
    const std::string k = std::to_string(i);
    REQUIRE(run_cli(dir, "sweep scenario.json -q -j 1 --shard " + k + "/3 -o part" + k + ".json")
                .code == 0);
  }
  Outcome missing = run_cli(dir, "merge part1.json part3.json -o m.json");
  CHECK(missing.code == 2);
  CHECK(missing.err.find("shard(s) 2/3 of toy missing") != std::string::npos);
  Outcome twice = run_cli(dir, "merge part1.json part2.json part2.json part3.json -o m.json");
  CHECK(twice.code == 2);
  CHECK(twice.err.find("shard 2/3 is given twice") != std::string::npos);
  // The same scenario file edited between shards: another input.
  json edited = two_tenant_sweep();
  edited["platform"]["storage"]["request_overhead"] = "1ms";
  simtest::write_toy(dir, edited);
  REQUIRE(run_cli(dir, "sweep scenario.json -q -j 1 --shard 3/3 -o other3.json").code == 0);
  Outcome foreign = run_cli(dir, "merge part1.json part2.json other3.json -o m.json");
  CHECK(foreign.code == 2);
  CHECK(foreign.err.find("other3.json and part1.json are not shards of one sweep: inputs") !=
        std::string::npos);
  CHECK(std::ifstream(dir.file("m.json")).good() == false);  // nothing written half
  // Not a results file at all.
  Outcome bogus = run_cli(dir, "merge scenario.json part2.json -o m.json");
  CHECK(bogus.code == 2);
  CHECK(bogus.err.find("scenario.json: /format: expected \"tiersplit-results\"") !=
        std::string::npos);
  CHECK(std::count(bogus.err.begin(), bogus.err.end(), '\n') == 1);
}

TEST_CASE("sweep: a shard that does not exist is refused, exit 2") {
  simtest::TempDir dir;
  simtest::write_toy(dir, two_tenant_sweep());
  for (const char* bad : {"0/4", "5/4", "1/0", "x/4", "2"}) {
    CAPTURE(bad);
    Outcome o = run_cli(dir, std::string("sweep scenario.json -q --shard ") + bad);
    CHECK(o.code == 2);
    CHECK(o.err.find(std::string("--shard '") + bad + "'") != std::string::npos);
    CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);
  }
}
