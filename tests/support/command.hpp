// command.hpp: run the tiersplit executable (or any command) from a test and capture its output.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace tiersplit::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr together
};

/// Runs `command` through /bin/sh with stderr merged into stdout.
inline CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// Runs the tiersplit executable built with the tests, e.g. tiersplit_cli("models --json").
inline CommandResult tiersplit_cli(const std::string& args) {
  return run_command(std::string("TIERSPLIT_NO_PROGRESS=1 ") + TIERSPLIT_BINARY + " " + args);
}

/// Number of lines in `text` (a trailing newline does not start a new line).
inline int line_count(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n + (!text.empty() && text.back() != '\n');
}

}  // namespace tiersplit::testing
