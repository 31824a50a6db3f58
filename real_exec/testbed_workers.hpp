// testbed_workers.hpp: the one-machine testbed with P compute workers (groups runs) — a bridge on
// the storage tier's side and one network namespace per worker; the store's path to the workers
// is shaped on the bridge (shared by every worker, as one storage node's path is), each worker's
// own sends on its link (the network between workers).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tiersplit::real_exec {

/// The namespace of worker `rank` ("tiersplit-compute" for rank 0: the compute tier of every
/// other command, so calibrations and probes measure worker 0).
std::string worker_namespace(int rank);

/// Builds the bridge and P namespaces: storage -> workers shaped to `path_bytes_per_s` with a
/// one-way `delay_s`, each worker's sends to `worker_bytes_per_s`. Returns the state fields
/// (mode "netns", server_address, compute_address, compute_namespace, worker_namespaces,
/// worker_addresses, link, worker_link, delay_by_pacer). Throws tiersplit::Error (after
/// removing what it built) when a step fails.
nlohmann::json workers_netns_up(int workers, double path_bytes_per_s, double worker_bytes_per_s,
                                double delay_s);

/// Removes the bridge and every worker namespace that exists (nothing when there are none).
void workers_netns_remove();

/// Taskset lists per worker: the compute cores cut into P parts when there are at least P of
/// them, else every worker on all of them ("1" x P on a 2-core machine).
std::vector<std::string> worker_core_lists(const std::vector<int>& compute_cores, int workers);

}  // namespace tiersplit::real_exec
