// subprocess.hpp: run other programs (this executable included) and keep background ones in hand.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace tiersplit {

/// The path of the running executable (/proc/self/exe).
std::string self_executable();

/// The `tiersplit` command beside the running executable (which may be tiersplit-torch, which
/// `tiersplit` hands LibTorch subcommands to): what to run for any tiersplit subcommand.
std::string tiersplit_executable();

/// One shell-quoted word (for messages and logs that show a command someone can paste).
std::string shell_quote(const std::string& word);
/// The command line of `argv`, shell-quoted.
std::string shell_line(const std::vector<std::string>& argv);

/// Runs `argv` and waits. stdout and stderr go to `log_file` (appended) when given, else to ours.
/// Returns the exit status, or 128 + signal when it was killed. `timeout_s` > 0 kills it (TERM,
/// then KILL after 5 s) when it runs longer; the return value is then 124.
int run_process(const std::vector<std::string>& argv, const std::string& log_file = "",
                double timeout_s = 0);

/// What a command printed (stdout and stderr together, trailing newlines dropped) and how it
/// ended.
struct CapturedOutput {
  int status = -1;  ///< exit status; -1 when it could not run or was killed
  std::string output;
};

/// Runs `argv` (through /bin/sh, every word quoted), waits and returns its output: for short
/// commands whose output goes into a message (ip, tc, a host's `tiersplit --version`).
CapturedOutput capture_process(const std::vector<std::string>& argv);

/// The last `lines` lines of a log file, each as "\n  | line" (for error messages that end
/// with what a failed command printed).
std::string log_tail(const std::string& file, std::size_t lines = 8);

/// On SIGINT, SIGTERM or SIGHUP, first TERM the process groups of every child started through
/// this file that is still running (servers, trainers), then die of the signal as usual.
void install_child_cleanup_on_signals();

/// A program running beside us (a server); terminated when this object goes away.
class ChildProcess {
 public:
  ChildProcess() = default;
  /// Starts `argv` in its own process group; output to `log_file` (appended) when given.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_file);
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  /// Whether it still runs (reaps it when it has ended; exit_status() then says how).
  bool running();
  int exit_status() const { return status_; }
  /// Waits until it ends; returns its exit status (128 + signal when killed).
  int wait();
  /// KILL to its process group at once (no chance to clean up); waits for it.
  void kill();
  /// TERM to its process group, KILL after `grace_s`; waits for it.
  void stop(double grace_s = 5);

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

}  // namespace tiersplit
