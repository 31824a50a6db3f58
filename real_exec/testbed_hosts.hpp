// testbed_hosts.hpp: the "hosts" testbed — two real machines as the tiers, reached with ssh (or
// another launcher of the form `launcher... HOST 'COMMAND LINE'`).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/json_reader.hpp"
#include "real_exec/testbed.hpp"

namespace tiersplit::real_exec {

/// A scenario's `testbed` object (docs/scenario-format.md):
///   {"storage": {"host": "user@store1", "address": "10.0.0.1", "cores": "0-7"},
///    "compute": {"host": "user@gpu1", "cores": "0-15"},
///    "launcher": ["ssh", "-tt"], "tiersplit": "/usr/local/bin/tiersplit"}
TestbedHosts testbed_hosts_from_json(const JsonView& testbed);

/// Checks the hosts — tiersplit answers `--version` on each (storage, compute, the workers')
/// through the launcher, and each sees `hosts.shared_dir` at the same path — and returns the
/// state `testbed up` records for them (with workers: worker-R_host, worker_addresses).
/// `bandwidth_bytes_per_s` and `delay_s` are the link's nominal values (nothing is shaped).
nlohmann::json hosts_testbed_state(const TestbedOptions& options, double bandwidth_bytes_per_s,
                                   double delay_s);

/// The local argv that runs `command` on `tier`'s host: the launcher, the host, and one shell
/// line `env K=V... [taskset -c CORES] COMMAND`. A command that is this executable runs the
/// hosts' tiersplit instead.
std::vector<std::string> hosts_exec_argv(
    const nlohmann::json& state, const std::string& tier, std::vector<std::string> command,
    const std::vector<std::pair<std::string, std::string>>& environment);

}  // namespace tiersplit::real_exec
