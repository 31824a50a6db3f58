// subprocess.cpp: fork/exec helpers with logs, timeouts and process-group cleanup.
#include "common/subprocess.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "common/error.hpp"

namespace tiersplit {

namespace {

/// Children still running, for the signal handler (async-signal-safe: plain atomics).
constexpr int kMaxChildren = 256;
std::atomic<pid_t> g_children[kMaxChildren];

void remember_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void forget_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void on_fatal_signal(int sig) {
  for (auto& slot : g_children) {
    pid_t pid = slot.load();
    if (pid > 0) ::kill(-pid, SIGTERM);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

/// fork + exec in a new process group; the child's output goes to `log_file` when given.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log_file) {
  if (argv.empty()) fail("internal: empty command");
  int log_fd = -1;
  if (!log_file.empty()) {
    log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) fail("cannot write log file ", log_file, ": ", std::strerror(errno));
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    if (log_fd >= 0) ::close(log_fd);
    fail("cannot start ", argv[0], ": fork failed: ", std::strerror(errno));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    if (log_fd >= 0) {
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
    }
    ::execvp(args[0], args.data());
    const char* msg = "tiersplit: cannot execute the command: ";
    (void)!::write(2, msg, std::strlen(msg));
    (void)!::write(2, args[0], std::strlen(args[0]));
    (void)!::write(2, "\n", 1);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // both sides, so no race with an early kill
  remember_child(pid);
  if (log_fd >= 0) ::close(log_fd);
  return pid;
}

/// Waits for `pid` up to `timeout_s` (<= 0: forever); returns true with `status` once it ended.
bool wait_for(pid_t pid, double timeout_s, int& status) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    pid_t r = ::waitpid(pid, &status, timeout_s > 0 ? WNOHANG : 0);
    if (r == pid) {
      forget_child(pid);
      return true;
    }
    if (r < 0 && errno != EINTR) {
      status = 0;
      return true;  // not our child any more
    }
    if (timeout_s > 0) {
      if (std::chrono::steady_clock::now() >= end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

void terminate_group(pid_t pid, double grace_s, int& status) {
  ::kill(-pid, SIGTERM);
  if (!wait_for(pid, grace_s, status)) {
    ::kill(-pid, SIGKILL);
    wait_for(pid, 0, status);
  }
}

}  // namespace

std::string log_tail(const std::string& file, std::size_t lines) {
  std::ifstream in(file);
  std::vector<std::string> all;
  std::string l;
  while (std::getline(in, l)) all.push_back(l);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
    out += "\n  | " + all[i];
  return out;
}

void install_child_cleanup_on_signals() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, on_fatal_signal);
}

std::string self_executable() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) fail("cannot find the running executable (/proc/self/exe)");
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string tiersplit_executable() {
  const std::string self = self_executable();
  const auto slash = self.rfind('/');
  const std::string beside = (slash == std::string::npos ? std::string(".") : self.substr(0, slash)) +
                             "/tiersplit";
  return ::access(beside.c_str(), X_OK) == 0 ? beside : self;
}

std::string shell_quote(const std::string& word) {
  bool plain = !word.empty();
  for (char c : word) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./=:,+@%", c)))
      plain = false;
  }
  if (plain) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shell_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + shell_quote(a);
  return out;
}

CapturedOutput capture_process(const std::vector<std::string>& argv) {
  FILE* p = popen((shell_line(argv) + " 2>&1").c_str(), "r");
  if (!p) return {-1, std::string("popen failed: ") + std::strerror(errno)};
  CapturedOutput r;
  char buf[512];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int st = pclose(p);
  while (!r.output.empty() && r.output.back() == '\n') r.output.pop_back();
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

int run_process(const std::vector<std::string>& argv, const std::string& log_file,
                double timeout_s) {
  pid_t pid = spawn(argv, log_file);
  int status = 0;
  if (!wait_for(pid, timeout_s, status)) {
    terminate_group(pid, 5, status);
    return 124;
  }
  return decode_status(status);
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_file)
    : pid_(spawn(argv, log_file)) {}

ChildProcess::~ChildProcess() {
  stop();
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), status_(other.status_) {
  other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    stop();
    pid_ = other.pid_;
    status_ = other.status_;
    other.pid_ = -1;
  }
  return *this;
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  forget_child(pid_);
  status_ = r == pid_ ? decode_status(status) : -1;
  pid_ = -1;
  return false;
}

int ChildProcess::wait() {
  if (pid_ > 0) {
    int status = 0;
    wait_for(pid_, 0, status);
    status_ = decode_status(status);
    pid_ = -1;
  }
  return status_;
}

void ChildProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);
  int status = 0;
  wait_for(pid_, 0, status);
  status_ = decode_status(status);
  pid_ = -1;
}

void ChildProcess::stop(double grace_s) {
  if (pid_ <= 0) return;
  int status = 0;
  terminate_group(pid_, grace_s, status);
  status_ = decode_status(status);
  pid_ = -1;
}

}  // namespace tiersplit
