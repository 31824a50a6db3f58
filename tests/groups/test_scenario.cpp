// test_scenario.cpp: groups scenarios — generated sizes, the sweep's points, the search space,
// and bad input refused with one line naming the file and JSON path, exit 2, nothing written.
#include <doctest/doctest.h>

#include <filesystem>
#include <numeric>

#include "groups_fixtures.hpp"
#include "support/command.hpp"

using groupstest::fixed;
using groupstest::json;
using groupstest::toy_groups;
using groupstest::ToyStudy;
using namespace tiersplit::groups;

TEST_CASE("group sizes: generated from Zipf or the largest share, deterministic, summing to n") {
  GroupSizeSpec z;
  z.groups = 50;
  z.samples = 100000;
  z.zipf = 1.0;
  const auto a = generate_group_sizes(z, "x");
  CHECK(a.size() == 50);
  CHECK(std::accumulate(a.begin(), a.end(), int64_t{0}) == 100000);
  CHECK(std::is_sorted(a.rbegin(), a.rend()));
  CHECK(a == generate_group_sizes(z, "x"));
  GroupSizeSpec s;
  s.groups = 18;
  s.samples = 1000000;
  s.largest_share = 0.26;
  const auto b = generate_group_sizes(s, "x");
  CHECK(static_cast<double>(b.front()) / 1e6 == doctest::Approx(0.26).epsilon(0.01));
  CHECK(b.back() >= 1);
}

TEST_CASE("groups scenario: the search space and the sweep's points") {
  json j = toy_groups("search");
  j["workload"]["groups"].erase("sizes");
  j["workload"]["groups"]["generate"] = {{"groups", 6}, {"samples", 1200}, {"zipf", 1.0}};
  j["sweep"] = {{"workers", {2, 4}}, {"groups", {3, 6}}, {"configurations", {1, 2}}};
  ToyStudy t(j);
  REQUIRE(t.study.points.size() == 8);
  const auto& last = t.study.points.back();
  CHECK(last.platform.compute.nodes == 4);
  CHECK(last.workload.group_sizes.size() == 6);
  CHECK(last.workload.configs.size() == 2);
  CHECK(t.study.points[0].workload.group_sizes.size() == 3);
  // Every strategy, extraction (not MTP with a shared stream), split 0..3 and GL placement.
  const auto choices = candidate_choices(t.study, 0);
  int gl = 0, mtp_shared = 0;
  for (const auto& c : choices) {
    gl += c.strategy == Strategy::kGl;
    mtp_shared += c.strategy == Strategy::kMtp && c.extraction == Extraction::kShared;
  }
  CHECK(mtp_shared == 0);
  CHECK(gl == 3 * 4 * 2);
  CHECK(choices.size() == (2 + 3 + 3 + 3) * 4 + 3 * 4 * 2);
}

namespace {

/// Runs `tiersplit simulate` on `scenario`; the outcome and whether results were written.
struct Refusal {
  tiersplit::testing::CommandResult r;
  bool wrote = false;
};

Refusal run_bad(const json& scenario) {
  simtest::TempDir dir;
  const std::string file = simtest::write_toy(dir, scenario);
  Refusal out;
  out.r = tiersplit::testing::tiersplit_cli("simulate " + file + " --closed-form -o " +
                                            dir.file("out.json"));
  out.wrote = std::filesystem::exists(dir.file("out.json"));
  return out;
}

void check_refused(const json& scenario, const std::string& path, const std::string& words) {
  const Refusal f = run_bad(scenario);
  CAPTURE(f.r.output);
  CHECK(f.r.exit_code == 2);
  CHECK(tiersplit::testing::line_count(f.r.output) == 1);
  CHECK(f.r.output.find("scenario.json") != std::string::npos);
  CHECK(f.r.output.find(path) != std::string::npos);
  CHECK(f.r.output.find(words) != std::string::npos);
  CHECK(!f.wrote);
}

}  // namespace

TEST_CASE("bad groups input: one line naming file and JSON path, exit 2, nothing written") {
  json j = toy_groups(fixed("gtp", "shared"));
  SUBCASE("sizes that do not add up to the dataset") {
    j["workload"]["groups"]["dataset"]["samples"] = 900;
    check_refused(j, "/workload/groups/sizes", "800");
  }
  SUBCASE("a group of size 0") {
    j["workload"]["groups"]["sizes"] = {400, 0, 200};
    check_refused(j, "/workload/groups/sizes/1", "size 0");
  }
  SUBCASE("an empty configuration grid") {
    j["workload"]["groups"]["configurations"]["heads"] = json::array();
    check_refused(j, "/workload/groups/configurations/heads", "empty");
  }
  SUBCASE("no workers") {
    j["platform"]["compute"]["nodes"] = 0;
    check_refused(j, "/platform/compute/nodes", "0");
  }
  SUBCASE("an unknown head kind") {
    j["workload"]["groups"]["configurations"]["heads"] = {{{"kind", "transformer"}}};
    check_refused(j, "/workload/groups/configurations/heads/0/kind", "transformer");
  }
  SUBCASE("an unknown strategy") {
    j["strategy"]["name"] = "ddp";
    check_refused(j, "/strategy/name", "ddp");
  }
  SUBCASE("epochs below 1") {
    j["workload"]["groups"]["configurations"]["epochs"] = {0};
    check_refused(j, "/workload/groups/configurations/epochs/0", "0");
  }
  SUBCASE("a cache that fits nowhere") {
    j["strategy"]["extraction"] = "cached";
    j["platform"]["compute"]["memory"] = "45MB";  // extraction 42.8 MB + the 4 MB cache
    j["platform"]["compute"]["disk"] = "1MB";
    check_refused(j, "/strategy", "cache");
  }
}
