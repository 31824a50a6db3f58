// test_groups_e2e.cpp: `tiersplit groups run` end to end — data with groups imported by the CLI,
// `tiersplit serve` over it, two worker processes on c10d Gloo for every strategy (3 groups, 2
// configurations, 2 epochs): the report is complete and consistent; a worker killed mid-run stops
// the run with one line naming it, or with --resume goes on from the checkpoints. No timing
// thresholds.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "real_exec/fixtures.hpp"

using namespace tiersplit::testing;
using nlohmann::json;

namespace {

/// A store with 3 groups of 90 samples in all, and `tiersplit serve` over it.
struct GroupsServer {
  std::string dir = temp_dir("groups-e2e");
  int port = free_port();
  std::unique_ptr<ShellProcess> server;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }

  GroupsServer() {
    auto imported = tiersplit_cli("dataset import fashion-mnist --to dir://" + dir +
                                  "/store --groups 3 --group-samples 90 --group-zipf 1 "
                                  "--per-object 16");
    REQUIRE_MESSAGE(imported.exit_code == 0, imported.output);
    server = std::make_unique<ShellProcess>(std::string(TIERSPLIT_BINARY) +
                                                " serve --threads 1 --store dir://" + dir +
                                                "/store --listen 127.0.0.1:" + std::to_string(port),
                                            dir + "/serve.log");
    REQUIRE(wait_for_server(port, 60));
  }

  CommandResult run(const std::string& strategy, const std::string& extraction,
                    const std::string& out, const std::string& configs) {
    return tiersplit_cli("groups run --server " + url() +
                         " --dataset fashion-mnist-groups --split 2 --freeze 4 --batch 8 "
                         "--storage-batch 8 --workers 2 --strategy " +
                         strategy + " --extraction " + extraction + " " + configs + " --out-dir " +
                         out);
  }
};

json read_json(const std::string& file) {
  std::ifstream in(file);
  return json::parse(in);
}

/// What every report must satisfy, whatever the strategy.
void check_report(const json& r, const std::string& strategy) {
  INFO("strategy " << strategy);
  CHECK(r.at("format") == "tiersplit-groups-report/1");
  CHECK(r.at("spec").at("strategy") == strategy);
  CHECK(r.at("workers_count") == 2);
  CHECK(r.at("groups") == 3);
  CHECK(r.at("checks").at("exactly_once") == true);
  CHECK(r.at("checks").at("checked") == 3 * 2 * 2);
  const double makespan = r.at("makespan_s").get<double>();
  CHECK(makespan > 0);
  for (const auto& w : r.at("workers")) {
    // Busy and waiting time fit in the worker's own span, which fits in the makespan.
    const double span = w.at("end_unix_s").get<double>() - w.at("start_unix_s").get<double>();
    const double measured = w.at("busy_s").get<double>() + w.at("data_wait_s").get<double>() +
                            w.at("sync_wait_s").get<double>();
    CHECK(measured <= span + 1e-3);
    CHECK(span <= makespan + 1e-3);
    CHECK(w.at("idle_s").get<double>() == doctest::Approx(makespan - span).epsilon(1e-6));
    CHECK(w.at("pushdowns").get<int64_t>() > 0);
  }
  CHECK(r.at("totals").at("storage_bytes").get<int64_t>() > 0);
  REQUIRE(r.at("accuracy").size() == 6);  // every (group, configuration), by its owner
  for (const auto& a : r.at("accuracy")) {
    CHECK(a.at("accuracy_per_epoch").size() == 2);
    CHECK(a.at("final_accuracy").get<double>() >= 0);
    CHECK(a.at("final_accuracy").get<double>() <= 1);
    CHECK(a.at("epoch_reached").get<int64_t>() >= 1);
  }
  const int64_t gloo = r.at("totals").at("gloo_calls").get<int64_t>();
  if (strategy == "dp" || strategy == "sp") CHECK(gloo > 0);     // all-reduces
  if (strategy == "gtp" || strategy == "mtp") CHECK(gloo <= 4);  // the two barriers only
  CHECK(r.at("training_makespan_s").get<double>() > 0);
  CHECK(r.at("training_makespan_s").get<double>() <= makespan);
}

}  // namespace

TEST_CASE("groups run: every strategy end to end on two workers, reports consistent") {
  GroupsServer s;
  const std::string configs = "--config linear:lr=0.5,e=2 --config mlp-16:lr=0.05,wd=0.001,e=2";
  for (const auto& [strategy, extraction] :
       std::vector<std::pair<std::string, std::string>>{{"mtp", "per-config"},
                                                        {"gtp", "shared"},
                                                        {"dp", "shared"},
                                                        {"sp", "cached"},
                                                        {"gl", "shared"}}) {
    const std::string out = s.dir + "/run-" + strategy;
    auto r = s.run(strategy, extraction, out, configs);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    check_report(read_json(out + "/report.json"), strategy);
  }
}

TEST_CASE("groups run: a worker killed mid-run stops the run with one line naming it") {
  GroupsServer s;
  const std::string out = s.dir + "/killed";
  std::filesystem::create_directories(out);
  ShellProcess run("env TIERSPLIT_NO_PROGRESS=1 " + std::string(TIERSPLIT_BINARY) +
                       " groups run --server " + s.url() +
                       " --dataset fashion-mnist-groups --workers 2 --strategy dp --batch 8 "
                       "--config mlp-16:lr=0.05,e=500 --collective-timeout 20 --out-dir " +
                       out,
                   out + "/launcher.log");
  // Kill worker 1 once both have started training. ('[w]orker': the pattern does not match the
  // shell that runs pkill.)
  for (int i = 0; i < 600 && !std::filesystem::exists(out + "/worker-1.log"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  CHECK(run_command("pkill -9 -f '" + out + "/[w]orker-1.json'").exit_code == 0);
  const int status = run.wait();
  std::ifstream in(out + "/launcher.log");
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO(log);
  CHECK(status == 2);
  CHECK(log.find("worker 1 was killed (signal 9)") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out + "/report.json"));             // never a partial result
  CHECK(run_command("pgrep -f '" + out + "/[w]orker-'").exit_code != 0);  // no worker left
}

TEST_CASE(
    "groups run --resume: a worker killed mid-run, the workers start again from the "
    "checkpoints and the run completes, every sample once") {
  GroupsServer s;
  const std::string out = s.dir + "/resumed";
  std::filesystem::create_directories(out);
  const std::string args =
      " --dataset fashion-mnist-groups --workers 2 --batch 8 --split 2 "
      "--freeze 4 --config mlp-16:lr=0.05,e=40 --collective-timeout 20 "
      "--out-dir " +
      out + " --resume";
  ShellProcess run("env TIERSPLIT_NO_PROGRESS=1 " + std::string(TIERSPLIT_BINARY) +
                       " groups run --server " + s.url() + " --strategy dp" + args,
                   out + "/launcher.log");
  // Kill worker 1 once it has checkpointed an epoch.
  const std::string marks = out + "/checkpoints/worker-1/marks.json";
  for (int i = 0; i < 600 && !std::filesystem::exists(marks); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(run_command("pkill -9 -f '" + out + "/[w]orker-1.json'").exit_code == 0);
  const int status = run.wait();
  std::ifstream in(out + "/launcher.log");
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO(log);
  REQUIRE(status == 0);
  CHECK(log.find("worker 1 was killed (signal 9)") != std::string::npos);
  CHECK(log.find("starting the 2 workers again") != std::string::npos);
  const json r = read_json(out + "/report.json");
  CHECK(r.at("restarts") == 1);
  CHECK(r.at("checks").at("exactly_once") == true);
  CHECK(r.at("checks").at("checked") == 3 * 40);
  // The same folder with another run's spec is refused, naming what differs.
  auto other = tiersplit_cli("groups run --server " + s.url() + " --strategy gtp" + args);
  CHECK(other.exit_code == 2);
  CHECK(other.output.find("differs in /strategy") != std::string::npos);
}

TEST_CASE(
    "groups run on a testbed of hosts: each worker started on its host through the "
    "launcher, the run complete, OUT_DIR outside the shared folder refused") {
  GroupsServer s;
  // tests/support/fake-ssh.sh stands in for ssh: every host is this machine (127.0.0.1).
  const std::string fake_ssh = std::string(TIERSPLIT_SOURCE_DIR) + "/tests/support/fake-ssh.sh";
  const std::string tb = s.dir + "/tb", log = s.dir + "/ssh.log";
  auto up = tiersplit_cli("testbed --state-dir " + tb +
                          " up --storage-host alice@127.0.0.1 --compute-host bob@127.0.0.1 "
                          "--worker-host carol@127.0.0.1 --launcher '" +
                          fake_ssh + " -tt' --shared-dir " + s.dir);
  INFO(up.output);
  REQUIRE(up.exit_code == 0);
  const std::string out = s.dir + "/hosts-run";
  auto r = run_command("env FAKE_SSH_LOG=" + log + " TIERSPLIT_NO_PROGRESS=1 " +
                       std::string(TIERSPLIT_BINARY) + " groups run --testbed " + tb +
                       " --server " + s.url() +
                       " --dataset fashion-mnist-groups --split 2 --freeze 4 --batch 8 "
                       "--storage-batch 8 --workers 2 --strategy dp --extraction shared "
                       "--config linear:lr=0.5,e=2 --config mlp-16:lr=0.05,wd=0.001,e=2 "
                       "--out-dir " +
                       out);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  check_report(read_json(out + "/report.json"), "dp");
  // Worker 0 on the compute host, worker 1 on its own, each with its rank in its line.
  auto started_on = [&](const std::string& host, const std::string& rank) {
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(host + ": env ", 0) == 0 && line.find(" RANK=" + rank + " ") != line.npos &&
          line.find(" groups worker ") != line.npos)
        return true;
    }
    return false;
  };
  CHECK(started_on("bob@127.0.0.1", "0"));
  CHECK(started_on("carol@127.0.0.1", "1"));

  auto outside = tiersplit_cli("groups run --testbed " + tb + " --server " + s.url() +
                               " --dataset fashion-mnist-groups --workers 2 --out-dir " +
                               temp_dir("groups-elsewhere"));
  CHECK(outside.exit_code == 2);
  CHECK(outside.output.find("must be inside the folder the hosts share, " + s.dir) !=
        std::string::npos);
  CHECK(tiersplit_cli("testbed --state-dir " + tb + " down").exit_code == 0);
}
