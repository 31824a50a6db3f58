// store_placement.hpp: which cores a local Swift may run on, against the testbed's compute tier.
#pragma once

#include <string>
#include <vector>

namespace tiersplit::real_exec {

/// One process of a Swift on this machine and the cores it may run on.
struct StoreProcess {
  int pid = 0;
  std::vector<int> cpus;  ///< its Cpus_allowed_list
};

/// The Swift server processes under `proc_root` (/proc): command lines that name Swift and run
/// one of its servers (`swift-proxy-server ...`, or the WSGI runner scripts/swift-aio.sh starts).
std::vector<StoreProcess> local_swift_processes(const std::string& proc_root = "/proc");

/// A warning when a Swift process may run on one of `compute_cores` (it would take the trainer's
/// core and count as the compute tier's time); "" when none may.
std::string swift_placement_warning(const std::vector<StoreProcess>& processes,
                                    const std::vector<int>& compute_cores);

}  // namespace tiersplit::real_exec
