// testbed.hpp: a two-tier testbed on one machine — a shaped veth link into a network namespace
// for the compute tier, disjoint CPU cores per tier; a send pacer where namespaces are refused.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tiersplit::real_exec {

struct TestbedOptions {
  std::string bandwidth = "100Mbit";  ///< link rate, each direction
  std::string delay = "1ms";          ///< one-way delay, each direction
  std::string mode = "auto";          ///< auto (netns, else pacer), netns, pacer
  int threads = 1;                    ///< LibTorch/OpenMP threads per tier
  std::string state_dir = "/tmp/tiersplit-testbed";
};

/// Brings the testbed up (replacing an earlier one) and returns its state: mode ("netns" or
/// "pacer"), server_address, compute_namespace, cores per tier, threads, link description.
nlohmann::json testbed_up(const TestbedOptions& options);
/// Removes the namespace and link (if any) and the state file.
nlohmann::json testbed_down(const std::string& state_dir);
/// The recorded state; throws tiersplit::Error when the testbed is not up.
nlohmann::json testbed_state(const std::string& state_dir);
/// Replaces this process with `command` run on tier "storage" or "compute": pinned to the tier's
/// cores, with the tier's thread count, in the compute namespace for the compute tier (netns
/// mode), and with TIERSPLIT_PACE set for the storage tier (pacer mode).
[[noreturn]] void testbed_exec(const std::string& state_dir, const std::string& tier,
                               const std::vector<std::string>& command);

}  // namespace tiersplit::real_exec
