// test_set_aside.cpp: where validate keeps runs it measured again, for report files and run
// folders.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "real_exec/set_aside.hpp"

using namespace tiersplit::real_exec;
namespace fs = std::filesystem;

TEST_CASE("a set-aside run keeps its report's extension and numbers from 1") {
  CHECK(set_aside_path("state/runs/a-s2-b64.json", 1) == "state/runs/a-s2-b64.unsettled-1.json");
  CHECK(set_aside_path("state/runs/GTP-shared", 3) == "state/runs/GTP-shared.unsettled-3");
  CHECK(set_aside_path(".json", 1) == ".json.unsettled-1");  // no stem: treated as a folder
}

TEST_CASE("the set-aside count stops at the first missing number") {
  const fs::path dir = fs::temp_directory_path() / "tiersplit-test-set-aside";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string report = (dir / "run.json").string();
  CHECK(set_aside_count(report) == 0);
  std::ofstream(set_aside_path(report, 1)) << "{}";
  std::ofstream(set_aside_path(report, 2)) << "{}";
  std::ofstream(set_aside_path(report, 4)) << "{}";  // a gap: 4 is not counted
  CHECK(set_aside_count(report) == 2);
  const std::string folder = (dir / "GL-cached").string();
  fs::create_directories(set_aside_path(folder, 1));
  CHECK(set_aside_count(folder) == 1);
  fs::remove_all(dir);
}
