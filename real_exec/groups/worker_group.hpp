// worker_group.hpp: how compute workers of a groups run find each other and talk — the
// launchers' environment (torchrun's RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT, or Slurm's), a
// c10d TCPStore and PyTorch's own ProcessGroupGloo, with a timeout on everything.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace c10d {
class ProcessGroupGloo;
class Store;
}  // namespace c10d

namespace tiersplit::real_exec::groups {

/// Who this worker is and where the group meets.
struct WorkerIdentity {
  int rank = 0;
  int world = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
};

/// Reads RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT (as torchrun sets them) or, under
/// `srun`, SLURM_PROCID and SLURM_NTASKS (MASTER_ADDR and MASTER_PORT still from the
/// environment). `env` stands in for the process environment (tests); missing or malformed
/// values fail with one line naming the variable.
WorkerIdentity identity_from_environment(const std::map<std::string, std::string>& env);
WorkerIdentity identity_from_environment();

/// The joined group: rank 0 hosts the TCPStore; every collective has `timeout`, so a worker
/// that died makes the others fail with an error instead of hanging.
class WorkerGroup {
 public:
  /// Joins (waits at most `timeout` for the others). Fails with one line when the master cannot
  /// be reached, its port is in use (rank 0), or the workers disagree on WORLD_SIZE.
  WorkerGroup(const WorkerIdentity& me, std::chrono::milliseconds timeout);
  ~WorkerGroup();
  WorkerGroup(const WorkerGroup&) = delete;
  WorkerGroup& operator=(const WorkerGroup&) = delete;

  int rank() const { return me_.rank; }
  int world() const { return me_.world; }
  /// Sums `t` over every worker, in place (DP's gradient all-reduce).
  void all_reduce_sum(torch::Tensor& t);
  /// Rank `root`'s `t` everywhere.
  void broadcast(torch::Tensor& t, int root);
  void send(torch::Tensor& t, int to, int tag);
  void recv(torch::Tensor& t, int from, int tag);
  void barrier();
  /// Bytes and calls through Gloo so far (for the run report).
  int64_t bytes() const { return bytes_; }
  int64_t calls() const { return calls_; }

 private:
  /// Waits for `work`, turning a timeout or a peer's failure into one line naming the operation.
  template <typename W>
  void wait(const W& work, const char* what);
  WorkerIdentity me_;
  std::chrono::milliseconds timeout_;
  c10::intrusive_ptr<c10d::Store> store_;
  std::unique_ptr<c10d::ProcessGroupGloo> pg_;
  int64_t bytes_ = 0, calls_ = 0;
};

}  // namespace tiersplit::real_exec::groups
