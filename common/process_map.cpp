// process_map.cpp: children forked per share of the items, results read back through pipes.
#include "common/process_map.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
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
      _exit(4);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

/// A record: kind ('R' result, 'E' user error, 'X' failure), item index, length, then the bytes.
void put_record(int fd, char kind, std::size_t item, const std::string& body) {
  std::string head(1, kind);
  head += std::to_string(item) + " " + std::to_string(body.size()) + "\n";
  write_all(fd, head + body);
}

[[noreturn]] void child(std::size_t begin, std::size_t step, std::size_t n,
                        const std::function<std::string(std::size_t)>& work, int fd) {
  int code = 0;
  for (std::size_t i = begin; i < n && code == 0; i += step) {
    try {
      put_record(fd, 'R', i, work(i));
    } catch (const Error& e) {
      put_record(fd, 'E', i, e.what());
      code = 2;
    } catch (const std::exception& e) {
      put_record(fd, 'X', i, e.what());
      code = 1;
    }
  }
  ::close(fd);
  _exit(code);
}

/// Splits a child's stream into records as they arrive.
struct Reader {
  std::string buffer;
  void parse(std::vector<std::string>& out, std::vector<bool>& have, std::string& user,
             std::string& internal) {
    for (;;) {
      const std::size_t nl = buffer.find('\n');
      if (nl == std::string::npos) return;
      std::size_t item = 0, len = 0;
      if (std::sscanf(buffer.c_str() + 1, "%zu %zu", &item, &len) != 2) return;
      if (buffer.size() < nl + 1 + len) return;
      std::string body = buffer.substr(nl + 1, len);
      const char kind = buffer[0];
      buffer.erase(0, nl + 1 + len);
      if (kind == 'R' && item < out.size()) {
        out[item] = std::move(body);
        have[item] = true;
      } else if (kind == 'E' && user.empty()) {
        user = body;
      } else if (internal.empty()) {
        internal = body;
      }
    }
  }
};

}  // namespace

std::vector<std::string> map_in_processes(std::size_t n, int jobs,
                                          const std::function<std::string(std::size_t)>& work) {
  std::vector<std::string> out(n);
  if (jobs <= 0) jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(jobs), n);
  if (k <= 1) {
    for (std::size_t i = 0; i < n; ++i) out[i] = work(i);
    return out;
  }
  std::fflush(nullptr);
  std::vector<pid_t> pids;
  std::vector<int> fds;
  for (std::size_t c = 0; c < k; ++c) {
    int p[2];
    if (::pipe(p) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      ::close(p[0]);
      for (int fd : fds) ::close(fd);
      child(c, k, n, work, p[1]);
    }
    ::close(p[1]);
    pids.push_back(pid);
    fds.push_back(p[0]);
  }
  std::vector<Reader> readers(k);
  std::vector<bool> have(n, false);
  std::string user, internal;
  std::size_t open = k;
  while (open > 0) {
    std::vector<pollfd> pfds;
    std::vector<std::size_t> which;
    for (std::size_t c = 0; c < k; ++c) {
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
      readers[c].parse(out, have, user, internal);
    }
  }
  for (pid_t pid : pids) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status) && internal.empty())
      internal = "a worker process died of signal " + std::to_string(WTERMSIG(status));
  }
  if (!user.empty()) throw Error(user);
  if (!internal.empty()) throw std::runtime_error(internal);
  if (std::find(have.begin(), have.end(), false) != have.end())
    throw std::runtime_error("a worker process returned no result");
  return out;
}

}  // namespace tiersplit
