// worker_group.cpp: rendezvous from the launchers' environment and collectives over c10d Gloo.
#include "real_exec/groups/worker_group.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "common/error.hpp"
#include "common/strings.hpp"

extern char** environ;

namespace tiersplit::real_exec::groups {

namespace {

int integer_variable(const std::map<std::string, std::string>& env, const std::string& name,
                     int low, int high) {
  auto it = env.find(name);
  if (it == env.end()) fail(name, " is not set");
  return static_cast<int>(parse_whole_number(it->second, low, high, name));
}

std::string first_line(const std::string& what) {
  return what.substr(0, what.find('\n'));
}

/// This machine's address on the route to `master` (what a UDP socket connected there is bound
/// to): the address peers reach this worker at. "" when there is no route.
std::string local_address_towards(const std::string& master, int port) {
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  if (getaddrinfo(master.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return "";
  std::string out;
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in local{};
  socklen_t len = sizeof local;
  if (fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
    char text[INET_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET, &local.sin_addr, text, sizeof text) != nullptr) out = text;
  }
  if (fd >= 0) close(fd);
  freeaddrinfo(found);
  return out;
}

/// The Gloo device: on GLOO_SOCKET_IFNAME's interface when set (PyTorch's variable), else on
/// the address that routes to the master.
std::shared_ptr<gloo::transport::Device> gloo_device(const WorkerIdentity& me) {
  const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
  std::string address;
  try {
    if (ifname != nullptr && *ifname != '\0')
      return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
    address = local_address_towards(me.master_addr, me.master_port);
    if (address.empty()) fail("rank ", me.rank, ": no route to the master ", me.master_addr);
    return c10d::ProcessGroupGloo::createDeviceForHostname(address);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    fail("rank ", me.rank, ": no Gloo device on ",
         ifname != nullptr && *ifname != '\0' ? "GLOO_SOCKET_IFNAME=" + std::string(ifname)
                                              : "address " + address,
         " (", first_line(e.what()), ")");
  }
}

}  // namespace

WorkerIdentity identity_from_environment(const std::map<std::string, std::string>& env) {
  WorkerIdentity me;
  const bool slurm = !env.count("RANK") && env.count("SLURM_PROCID");
  me.world = integer_variable(env, slurm ? "SLURM_NTASKS" : "WORLD_SIZE", 1, 4096);
  me.rank = integer_variable(env, slurm ? "SLURM_PROCID" : "RANK", 0, me.world - 1);
  auto addr = env.find("MASTER_ADDR");
  if (addr == env.end() || addr->second.empty()) fail("MASTER_ADDR is not set");
  me.master_addr = addr->second;
  me.master_port = integer_variable(env, "MASTER_PORT", 1, 65535);
  return me;
}

WorkerIdentity identity_from_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return identity_from_environment(env);
}

WorkerGroup::WorkerGroup(const WorkerIdentity& me, std::chrono::milliseconds timeout)
    : me_(me), timeout_(timeout) {
  const std::string where = me.master_addr + ":" + std::to_string(me.master_port);
  c10d::TCPStoreOptions so;
  so.port = static_cast<std::uint16_t>(me.master_port);
  so.isServer = me.rank == 0;
  so.numWorkers = static_cast<std::size_t>(me.world);
  so.waitWorkers = false;  // the WORLD_SIZE check below waits, with a clearer message
  so.timeout = timeout;
  try {
    store_ = c10::make_intrusive<c10d::TCPStore>(me.master_addr, so);
  } catch (const std::exception& e) {
    const std::string what = first_line(e.what());
    if (me.rank == 0 && what.find("in use") != std::string::npos)
      fail("MASTER_PORT ", me.master_port, " is in use on ", me.master_addr,
           " (rank 0 hosts the "
           "group's store there; pick a free port)");
    fail("rank ", me.rank, " cannot reach the master at ", where, " within ",
         timeout.count() / 1000.0, " s (", what, ")");
  }
  // Every worker checks WORLD_SIZE against rank 0's and counts itself in.
  const std::string mine = std::to_string(me.world);
  if (me.rank == 0) store_->set("tiersplit/world", std::vector<uint8_t>(mine.begin(), mine.end()));
  try {
    auto v = store_->get("tiersplit/world");
    std::string theirs(v.begin(), v.end());
    if (theirs != mine)
      fail("rank ", me.rank, " has WORLD_SIZE=", mine, " but rank 0 has ", theirs);
    const int64_t joined = store_->add("tiersplit/joined", 1);
    (void)joined;
    store_->wait({"tiersplit/world"});
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    fail("rank ", me.rank, ": the group at ", where, " did not form within ",
         timeout.count() / 1000.0, " s (", first_line(e.what()), ")");
  }
  auto opts = c10d::ProcessGroupGloo::Options::create();
  opts->timeout = timeout;
  opts->devices.push_back(gloo_device(me));
  try {
    pg_ = std::make_unique<c10d::ProcessGroupGloo>(store_, me.rank, me.world, opts);
  } catch (const std::exception& e) {
    fail("rank ", me.rank, ": Gloo could not connect the ", me.world, " workers within ",
         timeout.count() / 1000.0, " s (", first_line(e.what()), ")");
  }
}

WorkerGroup::~WorkerGroup() = default;

template <typename W>
void WorkerGroup::wait(const W& work, const char* what) {
  try {
    work->wait(timeout_);
  } catch (const std::exception& e) {
    fail("rank ", me_.rank, ": ", what, " failed or timed out after ", timeout_.count() / 1000.0,
         " s; a worker has probably stopped (", first_line(e.what()), ")");
  }
  ++calls_;
}

void WorkerGroup::all_reduce_sum(torch::Tensor& t) {
  std::vector<torch::Tensor> v{t};
  wait(pg_->allreduce(v), "all-reduce");
  bytes_ += t.nbytes();
}

void WorkerGroup::broadcast(torch::Tensor& t, int root) {
  std::vector<torch::Tensor> v{t};
  c10d::BroadcastOptions o;
  o.rootRank = root;
  wait(pg_->broadcast(v, o), "broadcast");
  bytes_ += t.nbytes();
}

void WorkerGroup::send(torch::Tensor& t, int to, int tag) {
  std::vector<torch::Tensor> v{t};
  wait(pg_->send(v, to, tag), "send");
  bytes_ += t.nbytes();
}

void WorkerGroup::recv(torch::Tensor& t, int from, int tag) {
  std::vector<torch::Tensor> v{t};
  wait(pg_->recv(v, from, tag), "receive");
  bytes_ += t.nbytes();
}

void WorkerGroup::barrier() {
  wait(pg_->barrier(), "barrier");
}

}  // namespace tiersplit::real_exec::groups
