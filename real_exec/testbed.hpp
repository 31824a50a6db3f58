// testbed.hpp: the two tiers to measure on — one machine with a shaped veth link into a network
// namespace and disjoint cores per tier (a send pacer where namespaces are refused), or two real
// hosts reached through ssh.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tiersplit::real_exec {

/// Two real machines as the tiers (testbed mode "hosts"). Commands reach a host as
/// `launcher... HOST 'COMMAND LINE'` (ssh's form); nothing is shaped.
struct TestbedHosts {
  std::string storage_host;    ///< as the launcher takes it, e.g. "user@store1"
  std::string compute_host;    ///< e.g. "user@gpu1"
  std::string server_address;  ///< the storage host's address as the compute host reaches it
                               ///< ("": the host part of storage_host)
  std::string storage_cores;   ///< taskset list on the storage host ("": not pinned)
  std::string compute_cores;   ///< taskset list on the compute host ("": not pinned)
  /// Groups runs: the hosts of workers 1..P-1 (worker 0 is the compute host), each pinned to
  /// compute_cores; the workers reach each other by the host part of these names.
  std::vector<std::string> worker_hosts;
  std::vector<std::string> launcher{"ssh", "-tt", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"};
  std::string tiersplit;  ///< tiersplit's path on the hosts ("": this executable's path)
  /// A directory both hosts see at the same path as this machine (results are written there);
  /// checked when the testbed comes up ("": not checked).
  std::string shared_dir;
};

struct TestbedOptions {
  std::string bandwidth = "100Mbit";  ///< link rate, each direction (hosts: nominal, not shaped)
  std::string delay = "1ms";          ///< one-way delay, each direction (hosts: nominal)
  std::string mode = "auto";          ///< auto (netns, else pacer), netns, pacer, hosts
  int threads = 1;                    ///< LibTorch/OpenMP threads per tier
  std::string state_dir = "/tmp/tiersplit-testbed";
  /// Compute workers (groups runs): netns mode gives each its own namespace behind a bridge,
  /// the store's path shaped once for all of them (testbed_workers.hpp); pacer mode runs them
  /// all on 127.0.0.1; hosts mode runs worker R on hosts.worker_hosts[R - 1]. 1: the two-tier
  /// link.
  int workers = 1;
  std::string worker_bandwidth = "1Gbit";  ///< each worker's sends to the others (netns)
  TestbedHosts hosts;                      ///< mode "hosts" only
};

/// Cores named by a taskset list ("0-3", "1", "0,2-3"); empty for "". Throws tiersplit::Error
/// naming the list when it is not one.
std::vector<int> parse_core_list(const std::string& list);

/// "20Mbit", "1.5Gbit", "500kbit": a bandwidth as tc and `testbed up --bandwidth` take it.
std::string bandwidth_label(double bytes_per_s);

/// Brings the testbed up (replacing an earlier one) and returns its state: mode ("netns",
/// "pacer" or "hosts"), server_address, compute_namespace, cores per tier, threads, link
/// description; for hosts also the hosts, launcher and tiersplit path, after checking that
/// tiersplit runs on both hosts (and sees the shared directory).
nlohmann::json testbed_up(const TestbedOptions& options);
/// Removes the namespace and link (if any) and the state file.
nlohmann::json testbed_down(const std::string& state_dir);
/// The recorded state; throws tiersplit::Error when the testbed is not up.
nlohmann::json testbed_state(const std::string& state_dir);
/// Replaces this process with `command` run on tier "storage", "compute" or "worker-R" (rank R
/// of a testbed with workers; "compute" is worker 0): pinned to the tier's
/// cores, with the tier's thread count, in the compute namespace for the compute tier (netns
/// mode), with TIERSPLIT_PACE set for the storage tier (pacer mode), on the tier's host through
/// the launcher (hosts mode; a command that is this executable runs the hosts' tiersplit).
[[noreturn]] void testbed_exec(const std::string& state_dir, const std::string& tier,
                               const std::vector<std::string>& command);

}  // namespace tiersplit::real_exec
