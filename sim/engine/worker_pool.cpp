// worker_pool.cpp: forked simulation workers (one engine each, reused from clock 0 for every
// configuration) and the parent that hands out configurations and collects their rows.
#include "sim/engine/worker_pool.hpp"

#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <thread>

#include "common/error.hpp"
#include "common/progress.hpp"
#include "sim/engine/simgrid_model.hpp"
#include "sim/trace.hpp"

namespace tiersplit::sim {

namespace {

void write_all(int fd, const std::string& s) {
  const char* p = s.data();
  std::size_t left = s.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      _exit(4);  // the parent went away
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

/// Simulates configuration `ci` and returns its lines: "R <json>" per row, then "D <index>".
std::string run_one(const Study& study, std::size_t ci, const std::string& trace_file) {
  const Configuration& config = study.configs[ci];
  const ConfigurationCosts costs = configuration_costs(study, config);
  std::unique_ptr<TraceRecorder> trace;
  if (!trace_file.empty()) trace = std::make_unique<TraceRecorder>();
  RunOutput out;
  if (needs_simulation(study, config, costs)) out = simulate(costs, trace.get());
  std::string text;
  for (const auto& r : result_rows(study, ci, costs, &out)) text += "R " + to_json(r).dump() + "\n";
  if (trace) trace->write(trace_file);
  return text + "D " + std::to_string(ci) + "\n";
}

/// Runs `body`, writing its lines, or "E <message>" for a user error and "X <message>" for
/// anything else; returns the exit code (0, 2, 1).
template <typename Body>
int guarded(int fd, Body body) {
  try {
    write_all(fd, body());
    return 0;
  } catch (const Error& e) {
    write_all(fd, std::string("E ") + e.what() + "\n");
    return 2;
  } catch (const std::exception& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    write_all(fd, "X " + what + "\n");
    return 1;
  }
}

/// Simulates configuration `ci` in a child forked from this worker (whose engine's clock cannot
/// go back to 0): the child starts from the worker's state whatever ran before. Returns the
/// child's exit code, or 1 when it died of a signal (reported on `fd`).
int run_in_child(const Study& study, std::size_t ci, const std::string& trace_file, int fd) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) _exit(guarded(fd, [&] { return run_one(study, ci, trace_file); }));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    write_all(fd, "X the simulation of configuration " + std::to_string(ci) + " died of signal " +
                      std::to_string(WTERMSIG(status)) + "\n");
    return 1;
  }
  return WEXITSTATUS(status);
}

/// A worker: builds the engine once, then simulates configurations taken from the shared counter
/// one after another until none is left or one fails.
[[noreturn]] void worker_main(const Study& study, const std::vector<std::size_t>& which,
                              std::atomic<std::size_t>* next, const std::string& trace_file,
                              int fd) {
  int code = guarded(fd, [&] {
    auto [s, c] = max_nodes(study, which);
    prepare_engine(study.points[study.configs[which.front()].point].platform, s, c);
    return std::string();
  });
  const bool fork_each = !can_restart_clock();
  while (code == 0) {
    const std::size_t i = next->fetch_add(1);
    if (i >= which.size()) break;
    const std::string trace = i == 0 ? trace_file : std::string();
    code = fork_each ? run_in_child(study, which[i], trace, fd)
                     : guarded(fd, [&] { return run_one(study, which[i], trace); });
  }
  ::close(fd);
  _exit(code);
}

/// The counter of handed-out configurations, shared with the workers.
class SharedCounter {
 public:
  SharedCounter() {
    mem_ = ::mmap(nullptr, sizeof(std::atomic<std::size_t>), PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem_ == MAP_FAILED) throw std::runtime_error(std::string("mmap: ") + std::strerror(errno));
    counter_ = new (mem_) std::atomic<std::size_t>(0);
  }
  ~SharedCounter() { ::munmap(mem_, sizeof(std::atomic<std::size_t>)); }
  SharedCounter(const SharedCounter&) = delete;
  SharedCounter& operator=(const SharedCounter&) = delete;
  std::atomic<std::size_t>* get() { return counter_; }

 private:
  void* mem_ = nullptr;
  std::atomic<std::size_t>* counter_ = nullptr;
};

/// What the parent gathers from the workers' lines.
struct Collector {
  std::map<std::size_t, std::vector<TenantResult>> by_config;
  std::string error_user, error_internal;
  std::optional<ProgressBar>* bar = nullptr;

  void line(const std::string& text) {
    if (text.size() < 2) return;
    const std::string body = text.substr(2);
    switch (text[0]) {
      case 'R': {
        TenantResult r = result_from_json(parse_json_text(body, "<simulation worker>"));
        by_config[r.config].push_back(std::move(r));
        break;
      }
      case 'D':
        if (*bar) (*bar)->advance(1);
        break;
      case 'E':
        if (error_user.empty()) error_user = body;
        break;
      default:
        if (error_internal.empty()) error_internal = body;
    }
  }
};

struct Worker {
  pid_t pid = -1;
  int fd = -1;
  std::string buffer;
};

/// Reads the workers' pipes until every worker has closed its own.
void collect(std::vector<Worker>& workers, Collector& col) {
  std::size_t open = workers.size();
  while (open > 0) {
    std::vector<pollfd> pfds;
    std::vector<std::size_t> which;
    for (std::size_t w = 0; w < workers.size(); ++w) {
      if (workers[w].fd >= 0) {
        pfds.push_back({workers[w].fd, POLLIN, 0});
        which.push_back(w);
      }
    }
    if (::poll(pfds.data(), pfds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    for (std::size_t i = 0; i < pfds.size(); ++i) {
      if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Worker& wk = workers[which[i]];
      char buf[65536];
      ssize_t got = ::read(wk.fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        ::close(wk.fd);
        wk.fd = -1;
        --open;
        continue;
      }
      wk.buffer.append(buf, static_cast<std::size_t>(got));
      std::size_t start = 0, nl;
      while ((nl = wk.buffer.find('\n', start)) != std::string::npos) {
        col.line(wk.buffer.substr(start, nl - start));
        start = nl + 1;
      }
      wk.buffer.erase(0, start);
    }
  }
}

std::vector<TenantResult> run_closed_form(const Study& study,
                                          const std::vector<std::size_t>& which) {
  std::vector<TenantResult> rows;
  for (std::size_t ci : which) {
    for (auto& r : closed_form_rows(study, ci)) rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace

std::vector<TenantResult> run_configurations(const Study& study,
                                             const std::vector<std::size_t>& which,
                                             const RunOptions& options) {
  if (which.empty()) return {};
  if (!options.simulate) return run_closed_form(study, which);
  int jobs = options.jobs > 0
                 ? options.jobs
                 : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  jobs = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(jobs), which.size()));

  std::fflush(nullptr);
  SharedCounter next;
  std::vector<Worker> workers(static_cast<std::size_t>(jobs));
  for (int w = 0; w < jobs; ++w) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      ::close(fds[0]);
      for (int o = 0; o < w; ++o) ::close(workers[static_cast<std::size_t>(o)].fd);
      worker_main(study, which, next.get(), options.trace_file, fds[1]);
    }
    ::close(fds[1]);
    workers[static_cast<std::size_t>(w)].pid = pid;
    workers[static_cast<std::size_t>(w)].fd = fds[0];
  }

  std::optional<ProgressBar> bar;
  if (options.progress) bar.emplace(options.label, static_cast<int64_t>(which.size()));
  Collector col;
  col.bar = &bar;
  collect(workers, col);
  if (bar) bar->finish();
  std::string crashed;
  for (auto& wk : workers) {
    int status = 0;
    while (::waitpid(wk.pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status) && crashed.empty())
      crashed = "a simulation worker died of signal " + std::to_string(WTERMSIG(status));
  }
  if (!col.error_user.empty()) throw Error(col.error_user);
  if (!col.error_internal.empty()) throw std::runtime_error(col.error_internal);
  if (!crashed.empty()) throw std::runtime_error(crashed);
  std::vector<TenantResult> rows;
  for (std::size_t ci : which) {
    auto it = col.by_config.find(ci);
    if (it == col.by_config.end()) {
      throw std::runtime_error("a simulation worker returned no result for configuration " +
                               std::to_string(ci));
    }
    for (auto& r : it->second) rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<TenantResult> run_shard(const Study& study, const Shard& shard,
                                    const RunOptions& options) {
  return run_configurations(study, shard_configs(study, shard), options);
}

}  // namespace tiersplit::sim
