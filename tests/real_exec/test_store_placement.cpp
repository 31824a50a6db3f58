// test_store_placement.cpp: finding a local Swift's processes and the cores they may run on, from
// a /proc laid out by the test.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.hpp"
#include "real_exec/fixtures.hpp"
#include "real_exec/store_placement.hpp"
#include "real_exec/testbed.hpp"

using namespace tiersplit::real_exec;
using tiersplit::testing::temp_dir;

namespace {

void fake_process(const std::string& proc, int pid, const std::string& cmdline,
                  const std::string& cpus) {
  const std::string dir = proc + "/" + std::to_string(pid);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/cmdline") << cmdline;
  std::ofstream(dir + "/status") << "Name:\tpython3\nCpus_allowed:\t3\nCpus_allowed_list:\t" << cpus
                                 << "\nMems_allowed_list:\t0\n";
}

}  // namespace

TEST_CASE("store placement: Swift processes allowed on the compute tier's cores are named") {
  const std::string proc = temp_dir("store-placement") + "/proc";
  using namespace std::string_literals;
  // scripts/swift-aio.sh's WSGI runner, unpinned; Debian's swift-object-server, pinned to 0;
  // something else.
  fake_process(proc, 101, "/usr/bin/python3\0-c\0from swift.common.wsgi import run_wsgi\0proxy"s,
               "0-1");
  fake_process(proc, 102, "/usr/bin/python3\0/usr/bin/swift-object-server\0/etc/swift"s, "0");
  fake_process(proc, 103, "bash\0-c\0sleep 1"s, "0-1");
  std::filesystem::create_directories(proc + "/self");  // not a pid

  const auto found = local_swift_processes(proc);
  REQUIRE(found.size() == 2);
  CHECK(found[0].pid == 101);
  CHECK(found[0].cpus == std::vector<int>{0, 1});
  CHECK(found[1].pid == 102);
  CHECK(found[1].cpus == std::vector<int>{0});

  const std::string w = swift_placement_warning(found, {1});
  CHECK(w.find("pid 101)") != std::string::npos);
  CHECK(w.find("core 1") != std::string::npos);
  CHECK(w.find("scripts/swift-aio.sh --cpus") != std::string::npos);
  CHECK(swift_placement_warning(found, {2, 3}).empty());
  CHECK(swift_placement_warning({}, {1}).empty());
}

TEST_CASE("store placement: core lists") {
  CHECK(parse_core_list("0-3,8") == std::vector<int>{0, 1, 2, 3, 8});
  CHECK(parse_core_list("").empty());
  CHECK_THROWS_AS(parse_core_list("a-b"), tiersplit::Error);
  CHECK_THROWS_AS(parse_core_list("0-3x"), tiersplit::Error);
  CHECK_THROWS_AS(parse_core_list("1,,2"), tiersplit::Error);
}
