// fixtures.hpp: shared pieces of the real_exec tests — a small imported data set, temp dirs,
// starting Swift and tiersplit processes.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/subprocess.hpp"
#include "real_exec/dataset.hpp"
#include "support/command.hpp"

namespace tiersplit::testing {

/// Removes the directories it holds when the test process exits.
struct TempDirs {
  std::vector<std::filesystem::path> dirs;
  ~TempDirs() {
    std::error_code ec;
    for (const auto& d : dirs) std::filesystem::remove_all(d, ec);
  }
};

/// A fresh directory under the system temp dir, removed at exit of the test process.
inline std::string temp_dir(const std::string& tag) {
  static TempDirs created;
  static int counter = 0;
  auto dir =
      std::filesystem::temp_directory_path() /
      ("tiersplit-rx-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  created.dirs.push_back(dir);
  return dir.string();
}

/// Small Fashion-MNIST import: 32 px, 20 train / 8 test samples per class, 25 samples per
/// object, classes 0-4 source and 5-9 target. Imported once per test process.
inline real_exec::ImportOptions small_import(const std::string& store) {
  real_exec::ImportOptions o;
  o.store = store;
  o.resolution = 32;
  o.per_object = 25;
  o.max_train_per_class = 20;
  o.max_test_per_class = 8;
  return o;
}

inline const std::string& small_dir_store() {
  static const std::string url = [] {
    std::string url = "dir://" + temp_dir("store") + "/objects";
    real_exec::import_fashion_mnist(small_import(url));
    return url;
  }();
  return url;
}

/// Starts Swift with scripts/swift-aio.sh (idempotent); returns "" when it came up, else why not.
inline std::string ensure_swift() {
  auto r = run_command(std::string(TIERSPLIT_SOURCE_DIR) + "/scripts/swift-aio.sh --quiet");
  return r.exit_code == 0 ? "" : r.output;
}
inline const char* kSwiftStore = "swift://127.0.0.1:18080/tiersplit-test";

/// A command line run through /bin/sh in its own process group, output to `log`; killed
/// (SIGKILL) when the test ends. The work is common/subprocess.hpp's.
class ShellProcess : public tiersplit::ChildProcess {
 public:
  ShellProcess(const std::string& command, const std::string& log)
      : tiersplit::ChildProcess({"/bin/sh", "-c", "exec " + command + " > " + log + " 2>&1"}, "") {}
  ~ShellProcess() { kill(); }
  ShellProcess(const ShellProcess&) = delete;
  ShellProcess& operator=(const ShellProcess&) = delete;
  /// SIGKILL at once: connections drop mid-response.
  void kill_now() { kill(); }
};

/// Held by tests that bring the one-machine testbed up: there is one namespace and one veth
/// pair per machine, so such tests must not overlap (ctest -j runs test cases in parallel).
class TestbedLock {
 public:
  TestbedLock() {
    fd_ = ::open("/tmp/tiersplit-testbed-tests.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0666);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~TestbedLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  TestbedLock(const TestbedLock&) = delete;
  TestbedLock& operator=(const TestbedLock&) = delete;

 private:
  int fd_ = -1;
};

/// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
int free_port();

/// Waits until GET http://127.0.0.1:PORT/v1/health answers (at most `seconds`).
bool wait_for_server(int port, double seconds);

}  // namespace tiersplit::testing
