// testbed.cpp: ip netns + veth + tc netem for the shaped link; taskset pinning; pacer fallback;
// real hosts through testbed_hosts.
#include "real_exec/testbed.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "common/strings.hpp"
#include "common/subprocess.hpp"
#include "common/table.hpp"
#include "common/units.hpp"
#include "real_exec/link_shaping.hpp"
#include "real_exec/testbed_hosts.hpp"
#include "real_exec/testbed_workers.hpp"

namespace tiersplit::real_exec {

namespace {

// Names and addresses of the link. 198.18.0.0/15 is reserved for benchmarking (RFC 2544): it
// never routes anywhere and exists only on the two ends of the veth pair.
const std::string kNamespace = worker_namespace(0);  // the compute tier is worker 0
constexpr const char* kStorageIf = "ts-store0";
constexpr const char* kComputeIf = "ts-compute0";
constexpr const char* kStorageAddr = "198.18.0.1";
constexpr const char* kComputeAddr = "198.18.0.2";

std::string state_file(const std::string& dir) {
  return dir + "/state.json";
}

void remove_link() {
  capture_process({"ip", "link", "del", kStorageIf});  // deleting one end deletes the pair
  capture_process({"ip", "netns", "del", kNamespace});
  workers_netns_remove();
}

/// The two-tier link: a veth pair into the compute namespace, shaped both ways. Returns the
/// state's fields; throws tiersplit::Error when a step fails.
nlohmann::json single_link_up(double bw, double delay) {
  auto ns = [](std::vector<std::string> a) {
    a.insert(a.begin(), {"ip", "netns", "exec", kNamespace});
    return a;
  };
  must_run({"ip", "link", "add", kStorageIf, "type", "veth", "peer", "name", kComputeIf});
  must_run({"ip", "link", "set", kComputeIf, "netns", kNamespace});
  must_run({"ip", "addr", "add", std::string(kStorageAddr) + "/30", "dev", kStorageIf});
  must_run({"ip", "link", "set", kStorageIf, "up"});
  must_run(ns({"ip", "addr", "add", std::string(kComputeAddr) + "/30", "dev", kComputeIf}));
  must_run(ns({"ip", "link", "set", kComputeIf, "up"}));
  must_run(ns({"ip", "link", "set", "lo", "up"}));
  const Shaping s = shape_device(kStorageIf, "", bw, delay);
  shape_device(kComputeIf, kNamespace, bw, delay, !s.delay_by_pacer);
  const std::string shaper = s.shaper + " each way" +
                             (s.delay_by_pacer ? "; delay " + format_duration(delay) +
                                                     " per response by the server's pacer"
                                               : "");
  return {{"mode", "netns"},
          {"server_address", kStorageAddr},
          {"compute_address", kComputeAddr},
          {"compute_namespace", kNamespace},
          {"link", "veth " + std::string(kStorageIf) + "<->" + kComputeIf + " shaped by " + shaper},
          {"delay_by_pacer", s.delay_by_pacer}};
}

}  // namespace

std::vector<int> parse_core_list(const std::string& list) {
  std::vector<int> out;
  std::stringstream ss(list);
  auto number = [&](const std::string& text) {
    std::size_t used = 0;
    int n = -1;
    try {
      n = std::stoi(text, &used);
    } catch (const std::exception&) {
    }
    if (n < 0 || used != text.size()) fail("'", list, "' is not a list of cores like 0-3,8");
    return n;
  };
  for (std::string item; std::getline(ss, item, ',');) {
    const auto dash = item.find('-');
    const int a = number(item.substr(0, dash));
    const int b = dash == std::string::npos ? a : number(item.substr(dash + 1));
    for (int c = a; c <= b; ++c) out.push_back(c);
  }
  return out;
}

std::string bandwidth_label(double bytes_per_s) {
  double bits = bytes_per_s * 8;
  if (bits >= 1e9) return fmt("%gGbit", bits / 1e9);
  if (bits >= 1e6) return fmt("%gMbit", bits / 1e6);
  return fmt("%gkbit", bits / 1e3);
}

nlohmann::json testbed_up(const TestbedOptions& o) {
  double bw = parse_quantity(o.bandwidth, Dimension::kBandwidth);
  double delay = parse_quantity(o.delay, Dimension::kDuration);
  if (o.mode != "auto" && o.mode != "netns" && o.mode != "pacer" && o.mode != "hosts") {
    fail("--mode '", o.mode, "' must be auto, netns, pacer or hosts");
  }
  if (o.threads < 1) fail("--threads ", o.threads, " must be >= 1");
  if (o.workers < 1 || o.workers > 64) fail("--workers ", o.workers, " must be in 1..64");
  if (o.mode == "hosts") {
    nlohmann::json state = hosts_testbed_state(o, bw, delay);
    std::filesystem::create_directories(o.state_dir);
    write_json_file(state_file(o.state_dir), state);
    return state;
  }
  unsigned cores = std::max(2u, std::thread::hardware_concurrency());
  unsigned half = cores / 2;
  auto range = [](unsigned a, unsigned b) {
    return a + 1 == b ? std::to_string(a) : std::to_string(a) + "-" + std::to_string(b - 1);
  };
  nlohmann::json state = {{"bandwidth", o.bandwidth},
                          {"bandwidth_bytes_per_s", bw},
                          {"delay", o.delay},
                          {"delay_s", delay},
                          {"storage_cores", range(0, half)},
                          {"compute_cores", range(half, cores)},
                          {"threads", o.threads}};
  state["workers"] = o.workers;
  state["worker_cores"] =
      worker_core_lists(parse_core_list(state["compute_cores"].get<std::string>()), o.workers);
  std::string why_not_netns;
  bool netns = false;
  if (o.mode != "pacer") {
    remove_link();
    CapturedOutput r = capture_process({"ip", "netns", "add", kNamespace});
    if (r.status != 0) {
      why_not_netns = "ip netns add: " + r.output;
    } else {
      try {
        nlohmann::json link;
        if (o.workers > 1) {
          capture_process({"ip", "netns", "del", kNamespace});  // worker 0's, made again there
          link = workers_netns_up(o.workers, bw,
                                  parse_quantity(o.worker_bandwidth, Dimension::kBandwidth), delay);
        } else {
          link = single_link_up(bw, delay);
        }
        state.update(link);
        netns = true;
      } catch (const Error& e) {
        why_not_netns = e.what();
        remove_link();
      }
    }
    for (char& c : why_not_netns) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    while (!why_not_netns.empty() && why_not_netns.back() == ' ') why_not_netns.pop_back();
    if (!netns && o.mode == "netns")
      fail("testbed: network namespaces unavailable (", why_not_netns,
           "); run as root (or with CAP_NET_ADMIN and CAP_SYS_ADMIN), or use --mode pacer "
           "(an in-process pacer on the server's sends instead of a shaped link)");
  }
  if (!netns) {
    state["mode"] = "pacer";
    state["server_address"] = "127.0.0.1";
    state["link"] = "in-process token-bucket pacer on the server's sends: " + format_bandwidth(bw) +
                    ", " + format_duration(delay) + " per response";
    if (o.workers > 1) {
      state["worker_addresses"] = std::vector<std::string>(o.workers, "127.0.0.1");
      state["worker_link"] = "not shaped (pacer mode: every worker on 127.0.0.1)";
    }
    if (!why_not_netns.empty()) state["netns_unavailable"] = why_not_netns;
  }
  std::filesystem::create_directories(o.state_dir);
  write_json_file(state_file(o.state_dir), state);
  return state;
}

nlohmann::json testbed_state(const std::string& dir) {
  if (!std::filesystem::exists(state_file(dir))) {
    fail("testbed is not up (no ", state_file(dir), "; run tiersplit testbed up)");
  }
  return load_json_file(state_file(dir)).raw();
}

nlohmann::json testbed_down(const std::string& dir) {
  nlohmann::json out = {{"removed", false}};
  if (std::filesystem::exists(state_file(dir))) {
    auto st = testbed_state(dir);
    if (st.value("mode", "") == "netns") remove_link();
    std::filesystem::remove(state_file(dir));
    out["removed"] = true;
    out["mode"] = st.value("mode", "");
  }
  return out;
}

/// Rank R of tier "worker-R"; -1 for "storage" and "compute"; fails for anything else.
int worker_rank(const std::string& tier, const nlohmann::json& st) {
  if (tier == "storage" || tier == "compute") return -1;
  const int workers = st.value("workers", 1);
  if (tier.rfind("worker-", 0) != 0)
    fail("testbed exec: tier '", tier, "' must be storage, compute or worker-R");
  return static_cast<int>(parse_whole_number(
      tier.substr(7), 0, workers - 1,
      "testbed exec: worker-R of a testbed of " + std::to_string(workers) + " workers: R"));
}

void testbed_exec(const std::string& dir, const std::string& tier,
                  const std::vector<std::string>& command) {
  if (command.empty())
    fail("testbed exec: no command given (tiersplit testbed exec TIER -- CMD ...)");
  auto st = testbed_state(dir);
  const int rank = worker_rank(tier, st);
  const std::string mode = st.at("mode").get<std::string>();
  const std::string threads = std::to_string(st.at("threads").get<int>());
  const std::string server = st.at("server_address").get<std::string>();
  std::vector<std::string> argv;
  if (mode == "hosts") {
    // The environment travels in the command line; ssh -tt gives the command a terminal (so that
    // it ends with the connection), which must not get progress bars: its output is a log here.
    std::vector<std::pair<std::string, std::string>> env{{"OMP_NUM_THREADS", threads},
                                                         {"MKL_NUM_THREADS", threads},
                                                         {"TIERSPLIT_TESTBED_SERVER", server},
                                                         {"TIERSPLIT_NO_PROGRESS", "1"}};
    if (tier == "storage")
      env.emplace_back("TIERSPLIT_LINK_NOTE", st.at("link").get<std::string>());
    // A worker's rendezvous (torchrun's variables) and the server's token travel along.
    for (const char* k : {"RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "GLOO_SOCKET_IFNAME",
                          "TIERSPLIT_TOKEN"}) {
      if (const char* v = std::getenv(k); v != nullptr && rank >= 0) env.emplace_back(k, v);
    }
    argv = hosts_exec_argv(st, rank == 0 ? "compute" : tier, command, env);
  } else {
    setenv("OMP_NUM_THREADS", threads.c_str(), 1);
    setenv("MKL_NUM_THREADS", threads.c_str(), 1);
    setenv("TIERSPLIT_TESTBED_SERVER", server.c_str(), 1);
    const bool netns = mode == "netns";
    std::string cores = st.at(tier == "storage" ? "storage_cores" : "compute_cores");
    if (rank >= 0 && st.contains("worker_cores")) cores = st["worker_cores"].at(rank);
    if (tier != "storage" && netns)
      argv = {"ip", "netns", "exec", worker_namespace(std::max(rank, 0))};
    if (tier == "storage" && netns) {
      setenv("TIERSPLIT_LINK_NOTE", st.at("link").get<std::string>().c_str(), 1);
      if (st.value("delay_by_pacer", false)) {  // rate by tbf, delay by the pacer only
        setenv("TIERSPLIT_PACE", ("0," + std::to_string(st.at("delay_s").get<double>())).c_str(),
               1);
      }
    }
    if (tier == "storage" && !netns) {
      std::string pace = std::to_string(st.at("bandwidth_bytes_per_s").get<double>()) + "," +
                         std::to_string(st.at("delay_s").get<double>());
      setenv("TIERSPLIT_PACE", pace.c_str(), 1);
    }
    argv.insert(argv.end(), {"taskset", "-c", cores});
    argv.insert(argv.end(), command.begin(), command.end());
  }
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  execvp(cargv[0], cargv.data());
  fail("testbed exec: cannot run ", argv[0], ": ", std::strerror(errno));
}

}  // namespace tiersplit::real_exec
