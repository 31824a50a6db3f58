// test_cli.cpp: the tiersplit executable end to end — output, exit codes, one-line errors.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/command.hpp"

using tiersplit::testing::line_count;
using tiersplit::testing::run_command;
using tiersplit::testing::tiersplit_cli;

TEST_CASE("tiersplit models lists every zoo model with parameters") {
  auto r = tiersplit_cli("models --input 64 --json");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.output);
  REQUIRE(j.size() == 9);
  CHECK(j[0]["model"] == "alexnet");
  for (const auto& m : j) {
    CHECK(m["parameters"].get<int64_t>() > 1000000);
    CHECK(m["flops_per_sample"].get<int64_t>() > 0);
    CHECK(m["freeze_index"].get<int64_t>() < m["blocks"].get<int64_t>());
  }
}

TEST_CASE("tiersplit models --model shows every split with the tensor that crosses") {
  auto r = tiersplit_cli("models --model resnet18 --input 64 --classes 10");
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("layer4_1") != std::string::npos);
  CHECK(r.output.find("<- freeze index") != std::string::npos);
  CHECK(r.output.find("512x2x2") != std::string::npos);
}

TEST_CASE("bad input gives one line on stderr and exit code 2") {
  struct Case {
    const char* args;
    const char* expected;
  };
  Case cases[] = {
      {"models --model resnet5", "unknown model 'resnet5', did you mean 'resnet50'?"},
      {"models --model vit_b_16 --input 100", "must be a multiple of 16"},
      {"models --model resnet18 --classes 0", "number of classes 0 must be at least 1"},
      {"profile --model resnet18 --batch 0", "--batch: 0 must be at least 1"},
      {"profile --model resnet18 --batch 4,2", "strictly increasing"},
      {"profile --model alexnet --input 32", "below the smallest it accepts"},
      {"profile --model resnet18 --threads 0", "--threads 0"},
      {"profile --model resnet18 --input 32 --freeze 99 -o /tmp/x.json",
       "freeze index 99 is outside [0,12]"},
      {"profile --model resnet18 --input 32 -o /nonexistent/dir/p.json",
       "/nonexistent/dir/p.json: cannot write here"},
      {"derive-profile -p /nonexistent.json -d nvidia-t4 -o x.json",
       "/nonexistent.json: cannot open file"},
      {"derive-profile -p x.json -d nvidia-t5 -o y.json", "did you mean 'nvidia-t4'"},
      {"train --heap-reserve 5000", "--heap-reserve: Value 5000 not in range 0 to 1984"},
      {"frobnicate", "unknown command 'frobnicate'"},
      {"model", "unknown command 'model', did you mean 'models'?"},
  };
  for (const auto& c : cases) {
    INFO(c.args);
    auto r = tiersplit_cli(c.args);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find(c.expected) != std::string::npos);
    CHECK(r.output.rfind("tiersplit: error: ", 0) == 0);
    CHECK(line_count(r.output) == 1);
  }
}

TEST_CASE("profile and derive-profile write loadable files, a wrong version is refused") {
  std::string prof = "test_cli_profile.json", derived = "test_cli_derived.json";
  auto r = tiersplit_cli(
      "profile --model mobilenet_v2 --input 32 --classes 10 --batch 1,2 "
      "--warmup 0 --min-repeats 1 --max-repeats 1 -q -o " +
      prof);
  REQUIRE(r.exit_code == 0);
  r = tiersplit_cli("derive-profile -p " + prof + " -d nvidia-t4 -o " + derived);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("nvidia-t4") != std::string::npos);
  nlohmann::json d;
  std::ifstream(derived) >> d;
  CHECK(d["device"]["kind"] == "derived");
  CHECK(d["blocks"].size() == 21);
  d["version"] = 99;
  std::ofstream(derived) << d.dump();
  r = tiersplit_cli("derive-profile -p " + derived + " -d nvidia-t4 -o y.json");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(derived + ": /version: unsupported profile version 99") != std::string::npos);
  std::remove(prof.c_str());
  std::remove(derived.c_str());
}

TEST_CASE("every subcommand has --help") {
  for (const char* cmd : {"models", "profile", "devices", "derive-profile"}) {
    INFO(cmd);
    auto r = tiersplit_cli(std::string(cmd) + " --help");
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("Usage") != std::string::npos);
  }
}

TEST_CASE("a full disk while writing results: one clear error, the earlier file kept") {
  // The file size limit (ulimit -f, with SIGXFSZ ignored) stands in for a full disk: the write
  // fails with EFBIG as it would with ENOSPC.
  const std::string file = "/tmp/tiersplit-disk-full-" + std::to_string(::getpid()) + ".json";
  std::ofstream(file) << "earlier results\n";
  auto r = tiersplit::testing::run_command(
      "trap '' XFSZ; ulimit -f 2; TIERSPLIT_NO_PROGRESS=1 " + std::string(TIERSPLIT_BINARY) +
      " sweep " + TIERSPLIT_SOURCE_DIR + "/scenarios/quickstart.json -o " + file);
  INFO(r.output);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(file + ": write failed (File too large)") != std::string::npos);
  std::ifstream in(file);
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(kept == "earlier results\n");
  CHECK_FALSE(std::ifstream(file + ".tmp").good());
  std::remove(file.c_str());
}

TEST_CASE("validate refuses an option of the other kind of scenario, naming it and the file") {
  const std::string dir = std::string(TIERSPLIT_SOURCE_DIR) + "/scenarios/validation/";
  struct Case {
    std::string args, expected;
  };
  const Case cases[] = {
      {"validate " + dir + "groups-few-large.json --iterations 5",
       "--iterations applies to split scenarios; " + dir + "groups-few-large.json is a groups"},
      {"validate " + dir + "groups-many-skewed.json --plot p.png", "--plot applies to split"},
      {"validate " + dir + "mobilenet_v2-r64.json --workers 3",
       "--workers applies to groups scenarios; " + dir + "mobilenet_v2-r64.json has tenants"},
      {"validate " + dir + "vgg11-r64.json --service-seconds 10",
       "--service-seconds applies to groups scenarios; " + dir + "vgg11-r64.json has tenants"},
  };
  for (const auto& c : cases) {
    INFO(c.args);
    auto r = tiersplit_cli(c.args);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find(c.expected) != std::string::npos);
    CHECK(line_count(r.output) == 1);
  }
}

TEST_CASE("serve refuses a malformed TIERSPLIT_PACE, naming the variable and its value") {
  for (const char* pace : {"fast", "1e6,soon"}) {
    INFO(pace);
    auto r = run_command(std::string("TIERSPLIT_PACE=") + pace + " timeout 20 " + TIERSPLIT_BINARY +
                         " serve --store dir:///tmp/tiersplit-pace-test" + " --listen 127.0.0.1:0");
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("tiersplit: error: TIERSPLIT_PACE (") != std::string::npos);
  }
}
