// testbed.cpp: ip netns + veth + tc netem for the shaped link; taskset pinning; pacer fallback;
// real hosts through testbed_hosts.
#include "real_exec/testbed.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "common/subprocess.hpp"
#include "common/units.hpp"
#include "real_exec/testbed_hosts.hpp"

namespace tiersplit::real_exec {

namespace {

// Names and addresses of the link. 198.18.0.0/15 is reserved for benchmarking (RFC 2544): it
// never routes anywhere and exists only on the two ends of the veth pair.
constexpr const char* kNamespace = "tiersplit-compute";
constexpr const char* kStorageIf = "ts-store0";
constexpr const char* kComputeIf = "ts-compute0";
constexpr const char* kStorageAddr = "198.18.0.1";
constexpr const char* kComputeAddr = "198.18.0.2";

void must(const std::vector<std::string>& argv) {
  CapturedOutput r = capture_process(argv);
  if (r.status != 0) fail("testbed: '", shell_line(argv), "' failed: ", r.output);
}

std::string state_file(const std::string& dir) {
  return dir + "/state.json";
}

void remove_link() {
  capture_process({"ip", "link", "del", kStorageIf});  // deleting one end deletes the pair
  capture_process({"ip", "netns", "del", kNamespace});
}

std::string netem_rate(double bytes_per_s) {
  return std::to_string(static_cast<int64_t>(bytes_per_s * 8)) + "bit";
}

std::string netem_delay(double s) {
  return std::to_string(static_cast<int64_t>(s * 1e6)) + "us";
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

nlohmann::json testbed_up(const TestbedOptions& o) {
  double bw = parse_quantity(o.bandwidth, Dimension::kBandwidth);
  double delay = parse_quantity(o.delay, Dimension::kDuration);
  if (o.mode != "auto" && o.mode != "netns" && o.mode != "pacer" && o.mode != "hosts") {
    fail("--mode '", o.mode, "' must be auto, netns, pacer or hosts");
  }
  if (o.threads < 1) fail("--threads ", o.threads, " must be >= 1");
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
  std::string why_not_netns, shaper;
  bool netns = false, delay_by_pacer = false;
  if (o.mode != "pacer") {
    remove_link();
    CapturedOutput r = capture_process({"ip", "netns", "add", kNamespace});
    if (r.status != 0) {
      why_not_netns = "ip netns add: " + r.output;
    } else {
      try {
        must({"ip", "link", "add", kStorageIf, "type", "veth", "peer", "name", kComputeIf});
        must({"ip", "link", "set", kComputeIf, "netns", kNamespace});
        must({"ip", "addr", "add", std::string(kStorageAddr) + "/30", "dev", kStorageIf});
        must({"ip", "link", "set", kStorageIf, "up"});
        std::vector<std::string> in_ns{"ip", "netns", "exec", kNamespace};
        auto ns = [&](std::vector<std::string> a) {
          a.insert(a.begin(), in_ns.begin(), in_ns.end());
          return a;
        };
        must(ns({"ip", "addr", "add", std::string(kComputeAddr) + "/30", "dev", kComputeIf}));
        must(ns({"ip", "link", "set", kComputeIf, "up"}));
        must(ns({"ip", "link", "set", "lo", "up"}));
        // Shape both directions. tc netem gives rate and delay; kernels without netem (seen on
        // this project's machines) get tbf for the rate and the server's pacer for the delay.
        std::vector<std::string> netem{"root", "netem",        "delay", netem_delay(delay),
                                       "rate", netem_rate(bw), "limit", "100000"};
        auto qdisc = [&](std::vector<std::string> a, const std::string& dev, bool in_namespace) {
          std::vector<std::string> cmd{"tc", "qdisc", "replace", "dev", dev};
          cmd.insert(cmd.end(), a.begin(), a.end());
          return in_namespace ? ns(cmd) : cmd;
        };
        if (capture_process(qdisc(netem, kStorageIf, false)).status == 0) {
          must(qdisc(netem, kComputeIf, true));
          shaper =
              "tc netem: " + format_bandwidth(bw) + ", " + format_duration(delay) + " each way";
        } else {
          // tbf: a burst of one timer tick of data (HZ = 250) but at least two full frames, so
          // the link behaves like a fluid one (a large burst lets the first tens of KB of every
          // transfer through at veth speed). The queue holds half a second of data and at least
          // 1 MiB: with "latency 200ms" it held 25 kB at 1 Mbit/s, and a 33 kB response sent at
          // once by a grown congestion window lost its tail and waited for a retransmission
          // timeout (570 ms instead of 280 ms; docs/validation.md, "Findings").
          int64_t burst = std::max<int64_t>(2 * 1514, static_cast<int64_t>(bw / 250));
          int64_t limit = std::max<int64_t>(int64_t{1} << 20, static_cast<int64_t>(bw / 2));
          std::vector<std::string> tbf{"root",  "tbf",
                                       "rate",  netem_rate(bw),
                                       "burst", std::to_string(burst),
                                       "limit", std::to_string(limit)};
          must(qdisc(tbf, kStorageIf, false));
          must(qdisc(tbf, kComputeIf, true));
          delay_by_pacer = delay > 0;
          shaper = "tc tbf: " + format_bandwidth(bw) + " each way (no netem in this kernel)" +
                   (delay_by_pacer ? "; delay " + format_duration(delay) +
                                         " per response by the server's pacer"
                                   : "");
        }
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
  if (netns) {
    state["mode"] = "netns";
    state["server_address"] = kStorageAddr;
    state["compute_address"] = kComputeAddr;
    state["compute_namespace"] = kNamespace;
    state["link"] = "veth " + std::string(kStorageIf) + "<->" + kComputeIf + " shaped by " + shaper;
    state["delay_by_pacer"] = delay_by_pacer;
  } else {
    state["mode"] = "pacer";
    state["server_address"] = "127.0.0.1";
    state["link"] = "in-process token-bucket pacer on the server's sends: " + format_bandwidth(bw) +
                    ", " + format_duration(delay) + " per response";
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

void testbed_exec(const std::string& dir, const std::string& tier,
                  const std::vector<std::string>& command) {
  if (tier != "storage" && tier != "compute")
    fail("testbed exec: tier '", tier, "' must be storage or compute");
  if (command.empty())
    fail("testbed exec: no command given (tiersplit testbed exec TIER -- CMD ...)");
  auto st = testbed_state(dir);
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
    argv = hosts_exec_argv(st, tier, command, env);
  } else {
    setenv("OMP_NUM_THREADS", threads.c_str(), 1);
    setenv("MKL_NUM_THREADS", threads.c_str(), 1);
    setenv("TIERSPLIT_TESTBED_SERVER", server.c_str(), 1);
    const bool netns = mode == "netns";
    if (tier == "compute" && netns) argv = {"ip", "netns", "exec", kNamespace};
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
    argv.insert(argv.end(), {"taskset", "-c", st.at(tier + "_cores").get<std::string>()});
    argv.insert(argv.end(), command.begin(), command.end());
  }
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  execvp(cargv[0], cargv.data());
  fail("testbed exec: cannot run ", argv[0], ": ", std::strerror(errno));
}

}  // namespace tiersplit::real_exec
