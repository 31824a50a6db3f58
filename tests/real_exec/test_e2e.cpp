// test_e2e.cpp: the executable end to end — import into Swift, serve, train (loss decreases);
// a server killed and restarted mid-epoch; the two-tier testbed; CLI errors.
#include <doctest/doctest.h>

#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "real_exec/fixtures.hpp"
#include "real_exec/pushdown_client.hpp"
#include "real_exec/trainer.hpp"

using namespace tiersplit;
using namespace tiersplit::testing;

namespace {

nlohmann::json read_json(const std::string& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

double mean(const std::vector<double>& v, std::size_t first, std::size_t n) {
  double s = 0;
  for (std::size_t i = first; i < first + n; ++i) s += v.at(i);
  return s / static_cast<double>(n);
}

}  // namespace

TEST_CASE("end to end against Swift: import then serve then train and the loss decreases") {
  std::string why = ensure_swift();
  if (!why.empty()) {
    MESSAGE("Swift could not be started, skipping: " << why);
    return;
  }
  std::string dir = temp_dir("e2e");
  auto imp = tiersplit_cli(
      std::string("dataset import fashion-mnist --resolution 32 --per-object 25 "
                  "--max-train-per-class 20 --max-test-per-class 8 --name e2e --to ") +
      kSwiftStore);
  INFO(imp.output);
  REQUIRE(imp.exit_code == 0);
  CHECK(imp.output.find("target-train: 100 samples in 4 objects") != std::string::npos);
  int port = free_port();
  ShellProcess server(std::string(TIERSPLIT_BINARY) + " serve --threads 1 --store " + kSwiftStore +
                          " --listen 127.0.0.1:" + std::to_string(port),
                      dir + "/serve.log");
  REQUIRE(wait_for_server(port, 60));
  auto train =
      tiersplit_cli("train --server http://127.0.0.1:" + std::to_string(port) +
                    " --dataset e2e --model resnet18 --split 4 --storage-batch 8 --batch 20"
                    " --epochs 3 --lr 0.05 --eval-samples 20 -o " +
                    dir + "/train.json");
  INFO(train.output);
  REQUIRE(train.exit_code == 0);
  auto r = read_json(dir + "/train.json");
  auto l = r["losses"].get<std::vector<double>>();
  REQUIRE(l.size() == 15);
  CHECK(mean(l, 10, 5) < mean(l, 0, 5));  // last epoch below the first
  CHECK(r["samples_exact"] == true);
  CHECK(r["eval"]["samples"] == 20);
  CHECK(r["iterations"][0]["server_s"].get<double>() > 0);
}

TEST_CASE(
    "a server killed and restarted mid-epoch: the trainer retries, no sample lost or repeated") {
  std::string dir = temp_dir("restart");
  std::string store = small_dir_store();
  int port = free_port();
  // A paced server (2 Mbit/s): each batch of 10 raw samples takes about 0.12 s to send, so the
  // epoch is still running when the server is killed after its second response.
  std::string serve = std::string(TIERSPLIT_BINARY) + " serve --threads 1 --pace 2Mbit --store " +
                      store + " --listen 127.0.0.1:" + std::to_string(port);
  auto server = std::make_unique<ShellProcess>(serve, dir + "/serve1.log");
  REQUIRE(wait_for_server(port, 30));
  real_exec::TrainOptions o;
  o.server = "http://127.0.0.1:" + std::to_string(port);
  o.model = "mobilenet_v2";
  o.split = 0;
  o.batch = 10;
  o.epochs = 2;
  o.eval_samples = -1;
  o.retry.max_total_s = 30;
  auto job = std::async(std::launch::async, [o] { return real_exec::run_training(o); });
  real_exec::PushdownClient watcher(o.server, "", {0.01, 0.05, 5});
  while (watcher.health()["served"].get<int64_t>() < 2)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  server->kill_now();  // SIGKILL: connections drop mid-response
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server = std::make_unique<ShellProcess>(serve, dir + "/serve2.log");
  auto r = job.get();
  REQUIRE(r["iterations"].size() == 20);
  int max_attempts = 0;
  for (const auto& it : r["iterations"])
    max_attempts = std::max(max_attempts, it["attempts"].get<int>());
  CHECK(max_attempts > 1);
  CHECK(r["samples_exact"] == true);
  for (const auto& e : r["epochs"]) {
    CHECK(e["unique_samples"] == 100);
    CHECK(e["duplicates"] == 0);
  }
}

TEST_CASE("two-tier testbed: shaped link (netns or pacer) with serve and train across it") {
  TestbedLock lock;
  std::string dir = temp_dir("testbed");
  std::string tb = "testbed --state-dir " + dir + "/state ";
  auto up = tiersplit_cli(tb + "up --bandwidth 100Mbit --delay 1ms");
  INFO(up.output);
  REQUIRE(up.exit_code == 0);
  auto state = nlohmann::json::parse(up.output);
  std::string mode = state["mode"];
  CHECK((mode == "netns" || mode == "pacer"));
  MESSAGE("testbed mode: " << mode);
  std::string addr = state["server_address"];
  int port = free_port();
  ShellProcess server(std::string(TIERSPLIT_BINARY) + " " + tb + "exec storage -- " +
                          TIERSPLIT_BINARY + " serve --allow-remote --store " + small_dir_store() +
                          " --listen " + addr + ":" + std::to_string(port),
                      dir + "/serve.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto train =
      tiersplit_cli(tb + "exec compute -- " + TIERSPLIT_BINARY + " train --server http://" + addr +
                    ":" + std::to_string(port) +
                    " --model resnet18 --split 4 --batch 20 --iterations 3 --eval-samples -1"
                    " --retry-timeout 30s -o " +
                    dir + "/train.json");
  INFO(train.output);
  CHECK(train.exit_code == 0);
  if (train.exit_code == 0) {
    auto r = read_json(dir + "/train.json");
    CHECK(r["iterations"].size() == 3);
    std::string link = r["link"];
    CHECK(link.find(mode == "netns" ? "shaped by tc" : "pacer") != std::string::npos);
  }
  server.kill_now();
  auto down = tiersplit_cli(tb + "down");
  CHECK(down.exit_code == 0);
}

TEST_CASE("CLI: bad input exits 2 with one line") {
  auto r = tiersplit_cli("serve --store dir:///tmp/x --listen 0.0.0.0:9");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--allow-remote") != std::string::npos);
  r = tiersplit_cli("train --server http://127.0.0.1:1 --retry-timeout 0.2s");
  CHECK(r.exit_code == 2);
  CHECK(line_count(r.output) == 1);
  r = tiersplit_cli("dataset import mnist --to dir:///tmp/x");
  CHECK(r.exit_code == 2);
  r = tiersplit_cli("dataset import fashion-mnist --to dir:///tmp/x --source-classes 0,11");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("11") != std::string::npos);
}
