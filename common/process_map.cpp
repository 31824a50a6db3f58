// process_map.cpp: forked children take items from a shared counter and send their results back
// through pipes as records (kind, item, length, bytes).
#include "common/process_map.hpp"

#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <thread>

#include "common/error.hpp"

namespace tiersplit {

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

/// A record: kind ('R' result, 'E' user error, 'X' failure), item, length, newline, bytes.
void put_record(int fd, char kind, std::size_t item, const std::string& body) {
  write_all(fd, std::string(1, kind) + std::to_string(item) + " " + std::to_string(body.size()) +
                    "\n" + body);
}

/// Runs `f`, writing its result or its error as a record; returns the exit code (0, 2, 1).
int guarded(int fd, std::size_t item, const std::function<std::string()>& f) {
  try {
    put_record(fd, 'R', item, f());
    return 0;
  } catch (const Error& e) {
    put_record(fd, 'E', item, e.what());
    return 2;
  } catch (const std::exception& e) {
    put_record(fd, 'X', item, e.what());
    return 1;
  }
}

/// Results and errors gathered from the children's records.
struct Gathered {
  std::vector<std::string> out;
  std::vector<bool> have;
  std::string user, internal;
  std::function<void(std::size_t)> done;
};

/// Splits a child's stream into records as they arrive.
struct Reader {
  std::string buffer;
  void parse(Gathered& g) {
    for (;;) {
      const std::size_t nl = buffer.find('\n');
      if (nl == std::string::npos) return;
      std::size_t item = 0, len = 0;
      if (std::sscanf(buffer.c_str() + 1, "%zu %zu", &item, &len) != 2) return;
      if (buffer.size() < nl + 1 + len) return;
      std::string body = buffer.substr(nl + 1, len);
      const char kind = buffer[0];
      buffer.erase(0, nl + 1 + len);
      if (kind == 'R' && item < g.out.size()) {
        g.out[item] = std::move(body);
        g.have[item] = true;
        if (g.done) g.done(item);
      } else if (kind == 'E') {
        if (g.user.empty()) g.user = body;
      } else if (g.internal.empty()) {
        g.internal = body;
      }
    }
  }
};

/// The counter of handed-out items, shared with the children.
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
  std::atomic<std::size_t>& get() { return *counter_; }

 private:
  void* mem_ = nullptr;
  std::atomic<std::size_t>* counter_ = nullptr;
};

[[noreturn]] void child(std::size_t n, const std::function<std::string(std::size_t)>& work,
                        const MapOptions& options, std::atomic<std::size_t>& next, int fd) {
  int code = options.prepare ? guarded(fd, n, [&] {
    options.prepare();
    return std::string();
  }) : 0;
  while (code == 0) {
    const std::size_t i = next.fetch_add(1);
    if (i >= n) break;
    code = guarded(fd, i, [&] { return work(i); });
  }
  ::close(fd);
  _exit(code);
}

/// Reads every child's pipe until all have closed theirs.
void gather(std::vector<int>& fds, Gathered& g) {
  std::vector<Reader> readers(fds.size());
  std::size_t open = fds.size();
  while (open > 0) {
    std::vector<pollfd> pfds;
    std::vector<std::size_t> which;
    for (std::size_t c = 0; c < fds.size(); ++c) {
      if (fds[c] >= 0) {
        pfds.push_back({fds[c], POLLIN, 0});
        which.push_back(c);
      }
    }
    if (::poll(pfds.data(), pfds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    for (std::size_t i = 0; i < pfds.size(); ++i) {
      if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const std::size_t c = which[i];
      char buf[65536];
      const ssize_t got = ::read(fds[c], buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        ::close(fds[c]);
        fds[c] = -1;
        --open;
        continue;
      }
      readers[c].buffer.append(buf, static_cast<std::size_t>(got));
      readers[c].parse(g);
    }
  }
}

}  // namespace

std::vector<std::string> map_in_processes(std::size_t n,
                                          const std::function<std::string(std::size_t)>& work,
                                          const MapOptions& options) {
  int jobs = options.jobs > 0
                 ? options.jobs
                 : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(jobs), n);
  if (k <= 1 && !options.prepare) {
    std::vector<std::string> out(n);
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = work(i);
      if (options.done) options.done(i);
    }
    return out;
  }
  if (n == 0) return {};
  std::fflush(nullptr);
  SharedCounter next;
  std::vector<pid_t> pids;
  std::vector<int> fds;
  for (std::size_t c = 0; c < std::max<std::size_t>(k, 1); ++c) {
    int p[2];
    if (::pipe(p) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      ::close(p[0]);
      for (int fd : fds) ::close(fd);
      child(n, work, options, next.get(), p[1]);
    }
    ::close(p[1]);
    pids.push_back(pid);
    fds.push_back(p[0]);
  }
  Gathered g{std::vector<std::string>(n), std::vector<bool>(n, false), "", "", options.done};
  gather(fds, g);
  for (pid_t pid : pids) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status) && g.internal.empty())
      g.internal = "a worker process died of signal " + std::to_string(WTERMSIG(status));
  }
  if (!g.user.empty()) throw Error(g.user);
  if (!g.internal.empty()) throw std::runtime_error(g.internal);
  if (std::find(g.have.begin(), g.have.end(), false) != g.have.end())
    throw std::runtime_error("a worker process returned no result");
  return g.out;
}

std::string in_child(const std::function<std::string()>& work) {
  std::fflush(nullptr);
  int p[2];
  if (::pipe(p) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::close(p[0]);
    const int code = guarded(p[1], 0, work);
    ::close(p[1]);
    _exit(code);
  }
  ::close(p[1]);
  std::vector<int> fds{p[0]};
  Gathered g{std::vector<std::string>(1), std::vector<bool>(1, false), "", "", nullptr};
  gather(fds, g);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!g.user.empty()) throw Error(g.user);
  if (WIFSIGNALED(status))
    throw std::runtime_error("a child process died of signal " + std::to_string(WTERMSIG(status)));
  if (!g.internal.empty()) throw std::runtime_error(g.internal);
  if (!g.have[0]) throw std::runtime_error("a child process returned no result");
  return g.out[0];
}

}  // namespace tiersplit
