// test_subprocess.cpp: running other programs — exit codes, logs, timeouts, background children.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "common/subprocess.hpp"

using namespace tiersplit;

namespace {

std::string slurp(const std::string& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string temp_file(const std::string& tag) {
  return (std::filesystem::temp_directory_path() /
          ("tiersplit-subprocess-" + tag + "-" + std::to_string(::getpid())))
      .string();
}

}  // namespace

TEST_CASE("subprocess: capture_process returns what a command printed and its status") {
  auto r = capture_process(
      {"/bin/sh", "-c", "printf '%s|' \"$0\" \"$1\"; echo err >&2; exit 3", "it's", "a b"});
  CHECK(r.status == 3);
  CHECK(r.output == "it's|a b|err");  // words arrive as given; trailing newline dropped
  CHECK(capture_process({"/nonexistent/program"}).status == 127);
}

TEST_CASE("subprocess: exit codes, logs and a missing program") {
  CHECK(run_process({"/bin/sh", "-c", "exit 0"}) == 0);
  CHECK(run_process({"/bin/sh", "-c", "exit 3"}) == 3);
  CHECK(run_process({"/bin/sh", "-c", "kill -TERM $$"}) == 128 + 15);
  CHECK(run_process({"/nonexistent/program"}) == 127);
  const std::string log = temp_file("log");
  std::filesystem::remove(log);
  CHECK(run_process({"/bin/sh", "-c", "echo out; echo err >&2"}, log) == 0);
  CHECK(run_process({"/bin/sh", "-c", "echo again"}, log) == 0);  // appended
  CHECK(slurp(log) == "out\nerr\nagain\n");
  std::filesystem::remove(log);
  CHECK_THROWS_AS(run_process({"/bin/true"}, "/nonexistent-dir/x.log"), Error);
}

TEST_CASE("subprocess: a timeout stops the command and returns 124") {
  CHECK(run_process({"/bin/sleep", "30"}, "", 0.2) == 124);
}

TEST_CASE("subprocess: a background child runs until stopped or done") {
  ChildProcess sleeper({"/bin/sleep", "30"}, "");
  CHECK(sleeper.running());
  sleeper.stop(1);
  CHECK_FALSE(sleeper.running());
  CHECK(sleeper.exit_status() == 128 + 15);

  ChildProcess killed({"/bin/sleep", "30"}, "");
  killed.kill();
  CHECK_FALSE(killed.running());
  CHECK(killed.exit_status() == 128 + 9);

  ChildProcess quick({"/bin/sh", "-c", "exit 5"}, "");
  CHECK(quick.wait() == 5);
  CHECK_FALSE(quick.running());
}

TEST_CASE("subprocess: shell quoting for commands people paste") {
  CHECK(shell_quote("plain-word_1.json") == "plain-word_1.json");
  CHECK(shell_quote("two words") == "'two words'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("") == "''");
  CHECK(shell_line({"tiersplit", "train", "--server", "http://198.18.0.1:8470"}) ==
        "tiersplit train --server http://198.18.0.1:8470");
  CHECK(std::filesystem::exists(self_executable()));
}
