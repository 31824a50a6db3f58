// test_testbed_hosts.cpp: the "hosts" testbed — tier commands reach their host through the
// launcher with the tier's environment and pinning, quoted as ssh needs; unreachable hosts, a
// missing tiersplit and an unshared folder are named. tests/support/fake-ssh.sh stands in for
// ssh and runs the command line on this machine.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "real_exec/fixtures.hpp"

using namespace tiersplit::testing;
using nlohmann::json;

namespace {

const std::string kFakeSsh = std::string(TIERSPLIT_SOURCE_DIR) + "/tests/support/fake-ssh.sh";

/// `tiersplit testbed --state-dir DIR/tb up` for hosts store1 and gpu1 through fake-ssh.sh.
CommandResult hosts_up(const std::string& dir, const std::string& launcher_options = "",
                       const std::string& extra = "") {
  return tiersplit_cli("testbed --state-dir " + dir + "/tb up --storage-host alice@store1 " +
                       "--compute-host bob@gpu1 --launcher '" + kFakeSsh + " -tt " +
                       launcher_options + "' --shared-dir " + dir +
                       " --bandwidth 10Gbit --threads 2 " + extra);
}

}  // namespace

TEST_CASE("testbed hosts: commands reach their host through the launcher, pinned and quoted") {
  const std::string dir = temp_dir("testbed-hosts");
  auto up = hosts_up(dir, "", "--compute-cores 0");
  INFO(up.output);
  REQUIRE(up.exit_code == 0);
  const json st = json::parse(up.output);
  CHECK(st["mode"] == "hosts");
  CHECK(st["server_address"] == "store1");  // the host part of alice@store1
  CHECK(st["storage_host"] == "alice@store1");
  CHECK(st["compute_cores"] == "0");
  CHECK(st["compute_tiersplit_version"].get<std::string>().find("tiersplit") == 0);
  CHECK(st["shared_dir"] == dir);

  const std::string exec = "testbed --state-dir " + dir + "/tb exec ";
  auto env = tiersplit_cli(
      exec +
      R"(compute -- sh -c 'echo "$FAKE_SSH_HOST|$OMP_NUM_THREADS|$TIERSPLIT_TESTBED_SERVER"; taskset -pc $$')");
  INFO(env.output);
  CHECK(env.exit_code == 0);
  CHECK(env.output.find("bob@gpu1|2|store1") != std::string::npos);
  CHECK(env.output.find("affinity list: 0") != std::string::npos);

  auto quoted = tiersplit_cli(exec + R"(storage -- printf '%s|' 'a b' "it's" '$HOME')");
  INFO(quoted.output);
  CHECK(quoted.exit_code == 0);
  CHECK(quoted.output == "a b|it's|$HOME|");

  auto down = tiersplit_cli("testbed --state-dir " + dir + "/tb down");
  CHECK(down.exit_code == 0);
  CHECK(json::parse(down.output)["mode"] == "hosts");
}

TEST_CASE("testbed hosts: an unreachable host, a missing tiersplit, an unshared folder") {
  const std::string dir = temp_dir("testbed-hosts-bad");
  auto unreachable = hosts_up(dir, "--down alice@store1");
  CHECK(unreachable.exit_code != 0);
  CHECK(unreachable.output.find("cannot run tiersplit on the storage host alice@store1") !=
        std::string::npos);
  CHECK(unreachable.output.find("Connection refused") != std::string::npos);
  CHECK(line_count(unreachable.output) == 1);

  auto missing = hosts_up(dir, "", "--remote-tiersplit /nonexistent/tiersplit");
  CHECK(missing.exit_code != 0);
  CHECK(missing.output.find("/nonexistent/tiersplit must exist there") != std::string::npos);

  auto unshared = hosts_up(dir, "--unshared");
  CHECK(unshared.exit_code != 0);
  CHECK(unshared.output.find(dir + " is not visible on the storage host alice@store1") !=
        std::string::npos);

  auto bad_cores = hosts_up(dir, "", "--compute-cores 0-x");
  CHECK(bad_cores.exit_code != 0);
  CHECK(bad_cores.output.find("'0-x' is not a list of cores") != std::string::npos);

  auto no_mode = tiersplit_cli("testbed --state-dir " + dir +
                               "/tb up --mode netns --storage-host a --compute-host b");
  CHECK(no_mode.exit_code != 0);
  CHECK(no_mode.output.find("need --mode hosts") != std::string::npos);
}

TEST_CASE("testbed hosts with workers: worker R runs on its host with the rendezvous variables") {
  const std::string dir = temp_dir("testbed-hosts-workers");
  auto up = hosts_up(dir, "", "--compute-cores 0 --worker-host carol@gpu2 --worker-host dan@gpu3");
  INFO(up.output);
  REQUIRE(up.exit_code == 0);
  const json st = json::parse(up.output);
  CHECK(st["workers"] == 3);  // 1 + the --worker-host given
  CHECK(st["worker_hosts"] == json({"bob@gpu1", "carol@gpu2", "dan@gpu3"}));
  CHECK(st["worker_addresses"] == json({"gpu1", "gpu2", "gpu3"}));
  CHECK(st["worker-2_host"] == "dan@gpu3");
  CHECK(st["worker-2_cores"] == "0");
  CHECK(st["worker-1_tiersplit_version"].get<std::string>().find("tiersplit") == 0);

  // torchrun's variables travel over the launcher to the worker's host (worker 0: the compute
  // host); the tiers' commands get none.
  const std::string exec = "env RANK=2 WORLD_SIZE=3 MASTER_ADDR=gpu1 MASTER_PORT=29500 " +
                           std::string(TIERSPLIT_BINARY) + " testbed --state-dir " + dir +
                           "/tb exec ";
  const std::string show =
      R"( -- sh -c 'echo "$FAKE_SSH_HOST|$RANK|$WORLD_SIZE|$MASTER_ADDR|$MASTER_PORT"')";
  auto w2 = run_command(exec + "worker-2" + show);
  CHECK(w2.exit_code == 0);
  CHECK(w2.output.find("dan@gpu3|2|3|gpu1|29500") != std::string::npos);
  auto w0 = run_command(exec + "worker-0" + show);
  CHECK(w0.output.find("bob@gpu1|2|3|gpu1|29500") != std::string::npos);
  auto storage = run_command(exec + "storage" + show);
  CHECK(storage.output.find("alice@store1||||") != std::string::npos);

  // Each worker host is checked like the tiers' hosts.
  auto down = hosts_up(dir, "--down dan@gpu3", "--worker-host carol@gpu2 --worker-host dan@gpu3");
  CHECK(down.exit_code != 0);
  CHECK(down.output.find("cannot run tiersplit on the worker-2 host dan@gpu3") !=
        std::string::npos);
  auto mismatch = hosts_up(dir, "", "--workers 3 --worker-host carol@gpu2");
  CHECK(mismatch.exit_code != 0);
  CHECK(mismatch.output.find("--workers 3 needs 2 --worker-host") != std::string::npos);
  CHECK(line_count(mismatch.output) == 1);
  auto not_hosts =
      tiersplit_cli("testbed --state-dir " + dir + "/tb2 up --mode pacer --worker-host carol@gpu2");
  CHECK(not_hosts.exit_code != 0);
  CHECK(not_hosts.output.find("need --mode hosts") != std::string::npos);
}
