// testbed_workers.cpp: a bridge and one namespace per worker, shaped with tc (see
// testbed_workers.hpp).
#include "real_exec/testbed_workers.hpp"

#include "common/error.hpp"
#include "common/subprocess.hpp"
#include "common/units.hpp"
#include "real_exec/link_shaping.hpp"

namespace tiersplit::real_exec {

namespace {

// 198.18.0.0/15 is reserved for benchmarking (RFC 2544); the single-link testbed uses
// 198.18.0.0/30, this one 198.18.1.0/24: the bridge .1, worker r .(10 + r).
constexpr const char* kBridge = "ts-bridge0";
constexpr const char* kSubnet = "198.18.1.";
constexpr const char* kDevice = "eth0";  // a worker's end of its link, inside its namespace

std::string host_end(int rank) {
  return "ts-worker" + std::to_string(rank);
}

std::string worker_address(int rank) {
  return kSubnet + std::to_string(10 + rank);
}

std::vector<std::string> in_ns(const std::string& ns, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
  return argv;
}

void add_worker(int r) {
  const std::string ns = worker_namespace(r);
  must_run({"ip", "netns", "add", ns});
  must_run(
      {"ip", "link", "add", host_end(r), "type", "veth", "peer", "name", kDevice, "netns", ns});
  must_run({"ip", "link", "set", host_end(r), "master", kBridge});
  must_run({"ip", "link", "set", host_end(r), "up"});
  must_run(in_ns(ns, {"ip", "addr", "add", worker_address(r) + "/24", "dev", kDevice}));
  must_run(in_ns(ns, {"ip", "link", "set", kDevice, "up"}));
  must_run(in_ns(ns, {"ip", "link", "set", "lo", "up"}));
}

}  // namespace

std::string worker_namespace(int rank) {
  return rank == 0 ? "tiersplit-compute" : "tiersplit-compute-" + std::to_string(rank);
}

void workers_netns_remove() {
  capture_process({"ip", "link", "del", kBridge});
  const std::string names = capture_process({"ip", "netns", "list"}).output;
  for (int r = 0; r < 64; ++r) {
    capture_process({"ip", "link", "del", host_end(r)});  // deleting one end deletes the pair
    if (r > 0 && names.find(worker_namespace(r) + " ") == std::string::npos &&
        names.find(worker_namespace(r) + "\n") == std::string::npos)
      continue;
    capture_process({"ip", "netns", "del", worker_namespace(r)});
  }
}

nlohmann::json workers_netns_up(int workers, double bw, double worker_bw, double delay) {
  workers_netns_remove();
  try {
    must_run({"ip", "link", "add", kBridge, "type", "bridge"});
    must_run({"ip", "addr", "add", std::string(kSubnet) + "1/24", "dev", kBridge});
    must_run({"ip", "link", "set", kBridge, "up"});
    nlohmann::json namespaces = nlohmann::json::array(), addresses = nlohmann::json::array();
    for (int r = 0; r < workers; ++r) {
      add_worker(r);
      namespaces.push_back(worker_namespace(r));
      addresses.push_back(worker_address(r));
    }
    // The store's path: everything the storage tier sends to any worker leaves through the
    // bridge, so one qdisc there is one shared path. Each worker's sends (to the others, and its
    // small requests to the store) leave through its own end.
    const Shaping path = shape_device(kBridge, "", bw, delay);
    Shaping own;
    for (int r = 0; r < workers; ++r)
      own = shape_device(kDevice, worker_namespace(r), worker_bw, 0, !path.delay_by_pacer);
    std::string note = path.shaper;
    if (path.delay_by_pacer)
      note += "; delay " + format_duration(delay) + " per response by the server's pacer";
    return {{"mode", "netns"},
            {"server_address", std::string(kSubnet) + "1"},
            {"compute_address", worker_address(0)},
            {"compute_namespace", worker_namespace(0)},
            {"worker_namespaces", namespaces},
            {"worker_addresses", addresses},
            {"link", "bridge " + std::string(kBridge) + " -> " + std::to_string(workers) +
                         " worker namespaces, the store's path shaped by " + note},
            {"worker_link", "each worker's sends shaped by " + own.shaper},
            {"worker_bandwidth_bytes_per_s", worker_bw},
            {"delay_by_pacer", path.delay_by_pacer}};
  } catch (const Error&) {
    workers_netns_remove();
    throw;
  }
}

std::vector<std::string> worker_core_lists(const std::vector<int>& cores, int workers) {
  std::vector<std::string> out;
  const auto n = static_cast<int>(cores.size());
  for (int r = 0; r < workers; ++r) {
    std::string list;
    const int per = n >= workers ? n / workers : n;
    const int first = n >= workers ? r * per : 0;
    for (int k = first; k < first + per; ++k)
      list += (list.empty() ? "" : ",") + std::to_string(cores[static_cast<std::size_t>(k)]);
    out.push_back(list);
  }
  return out;
}

}  // namespace tiersplit::real_exec
