// test_worker_group.cpp: groups workers meet as PyTorch's launchers say (torchrun's or Slurm's
// environment), talk through c10d's ProcessGroupGloo, and fail with one line instead of hanging:
// unreachable master, port in use, WORLD_SIZE mismatch, a worker that stopped.
// clang-format off
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest (glog's CHECK macros)
// clang-format on

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include "common/error.hpp"
#include "real_exec/fixtures.hpp"
#include "real_exec/groups/worker_group.hpp"

using namespace tiersplit;
using namespace tiersplit::real_exec::groups;
using namespace std::chrono_literals;

namespace {

WorkerIdentity worker(int rank, int world, int port) {
  return {rank, world, "127.0.0.1", port};
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("groups worker: identity from torchrun's and Slurm's environment, bad values named") {
  auto me = identity_from_environment(
      {{"RANK", "1"}, {"WORLD_SIZE", "3"}, {"MASTER_ADDR", "10.0.0.5"}, {"MASTER_PORT", "29500"}});
  CHECK(me.rank == 1);
  CHECK(me.world == 3);
  CHECK(me.master_addr == "10.0.0.5");
  CHECK(me.master_port == 29500);
  auto s = identity_from_environment({{"SLURM_PROCID", "2"},
                                      {"SLURM_NTASKS", "4"},
                                      {"MASTER_ADDR", "node1"},
                                      {"MASTER_PORT", "29600"}});
  CHECK(s.rank == 2);
  CHECK(s.world == 4);
  CHECK(error_of([] {
          identity_from_environment({{"RANK", "0"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}});
        }).find("WORLD_SIZE is not set") != std::string::npos);
  CHECK(error_of([] {
          identity_from_environment(
              {{"RANK", "3"}, {"WORLD_SIZE", "3"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}});
        }).find("RANK=3 is outside 0..2") != std::string::npos);
  CHECK(error_of([] {
          identity_from_environment(
              {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "x1"}});
        }).find("MASTER_PORT='x1'") != std::string::npos);
}

TEST_CASE("groups worker: two workers all-reduce, broadcast and send through Gloo") {
  const int port = testing::free_port();
  auto other = std::async(std::launch::async, [port] {
    WorkerGroup g(worker(1, 2, port), 20s);
    auto t = torch::full({4}, 2.0);
    g.all_reduce_sum(t);
    auto b = torch::zeros({2});
    g.broadcast(b, 0);
    auto m = torch::full({3}, 7.0);
    g.send(m, 0, 5);
    g.barrier();
    return std::make_pair(t, b);
  });
  WorkerGroup g(worker(0, 2, port), 20s);
  auto t = torch::full({4}, 1.0);
  g.all_reduce_sum(t);
  auto b = torch::tensor({4.0, 5.0});
  g.broadcast(b, 0);
  auto m = torch::zeros({3});
  g.recv(m, 1, 5);
  g.barrier();
  auto [t1, b1] = other.get();
  CHECK(t.eq(3.0).all().item<bool>());
  CHECK(t1.eq(3.0).all().item<bool>());
  CHECK(b1.equal(b));
  CHECK(m.eq(7.0).all().item<bool>());
  CHECK(g.calls() == 4);
  CHECK(g.bytes() == 16 + 8 + 12);
}

TEST_CASE("groups worker: unreachable master, port in use, WORLD_SIZE mismatch: one line each") {
  const int nobody = testing::free_port();
  CHECK(error_of([&] {
          WorkerGroup(worker(1, 2, nobody), 1500ms);
        }).find("cannot reach the master") != std::string::npos);

  const int busy = testing::free_port();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(busy));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  ::listen(fd, 1);
  const std::string in_use = error_of([&] { WorkerGroup(worker(0, 2, busy), 1500ms); });
  ::close(fd);
  CHECK(in_use.find("MASTER_PORT " + std::to_string(busy) + " is in use") != std::string::npos);

  const int port = testing::free_port();
  auto master = std::async(std::launch::async, [port] {
    return error_of([port] { WorkerGroup(worker(0, 2, port), 3s); });
  });
  std::this_thread::sleep_for(200ms);
  const std::string mismatch = error_of([&] { WorkerGroup(worker(1, 3, port), 3s); });
  CHECK(mismatch.find("WORLD_SIZE=3 but rank 0 has 2") != std::string::npos);
  const std::string at_master = master.get();  // rank 0 waited for a rank that left
  CHECK(at_master.find("rank 0: ") != std::string::npos);
  CHECK(at_master.find("within 3 s") != std::string::npos);
}

TEST_CASE("groups worker: a worker that stopped makes the other's all-reduce fail, not hang") {
  const int port = testing::free_port();
  auto other = std::async(std::launch::async, [port] {
    WorkerGroup g(worker(1, 2, port), 3s);
    g.barrier();
  });  // leaves after the barrier: its group is destroyed
  WorkerGroup g(worker(0, 2, port), 3s);
  g.barrier();
  other.get();
  auto t = torch::ones({4});
  const std::string e = error_of([&] { g.all_reduce_sum(t); });
  CHECK(e.find("rank 0: all-reduce failed or timed out") != std::string::npos);
}
