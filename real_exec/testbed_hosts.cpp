// testbed_hosts.cpp: the "hosts" testbed — checks two real machines and runs tier commands there.
#include "real_exec/testbed_hosts.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "common/subprocess.hpp"
#include "common/units.hpp"

namespace tiersplit::real_exec {

namespace fs = std::filesystem;

namespace {

/// The non-empty lines of a command's output, without carriage returns (ssh -tt adds them).
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

/// The last line of a command's output (what a message quotes).
std::string last_line(const std::string& text) {
  auto lines = lines_of(text);
  return lines.empty() ? "no output" : lines.back();
}

/// Removes a file when it goes out of scope (the shared-folder marker, also on errors).
struct RemovedAtExit {
  std::string file;
  ~RemovedAtExit() {
    std::error_code ec;
    if (!file.empty()) fs::remove(file, ec);
  }
};

std::vector<std::string> on_host(const TestbedHosts& h, const std::string& host,
                                 const std::string& line) {
  std::vector<std::string> argv = h.launcher;
  argv.push_back(host);
  argv.push_back(line);
  return argv;
}

/// "alice@store1" -> "store1": how the other machines reach a host by default.
std::string host_part(const std::string& host) {
  const auto at = host.find('@');
  return at == std::string::npos ? host : host.substr(at + 1);
}

/// Workers 1..P-1 on hosts.worker_hosts (worker 0 on the compute host): their hosts, cores and
/// addresses in the state, as testbed exec worker-R and groups run look them up.
void add_worker_hosts(const TestbedOptions& o, nlohmann::json& state) {
  const TestbedHosts& h = o.hosts;
  const int more = static_cast<int>(h.worker_hosts.size());
  if (more != o.workers - 1) {
    fail("testbed hosts: --workers ", o.workers, " needs ", o.workers - 1,
         " --worker-host (worker 0 runs on the compute host), not ", more);
  }
  state["workers"] = o.workers;
  std::vector<std::string> addresses{host_part(h.compute_host)}, hosts{h.compute_host};
  for (int r = 1; r < o.workers; ++r) {
    const std::string& host = h.worker_hosts[static_cast<std::size_t>(r - 1)];
    const std::string tier = "worker-" + std::to_string(r);
    state[tier + "_host"] = host;
    state[tier + "_cores"] = h.compute_cores;
    hosts.push_back(host);
    addresses.push_back(host_part(host));
  }
  if (o.workers > 1) {
    state["worker_hosts"] = hosts;
    state["worker_addresses"] = addresses;
    state["worker_link"] = "the hosts' own network (not shaped)";
  }
}

}  // namespace

TestbedHosts testbed_hosts_from_json(const JsonView& tb) {
  tb.allow_keys({"storage", "compute", "launcher", "tiersplit"});
  TestbedHosts h;
  const JsonView storage = tb.at("storage");
  storage.allow_keys({"host", "address", "cores"});
  h.storage_host = storage.string("host");
  h.server_address = storage.string("address", "");
  h.storage_cores = storage.string("cores", "");
  const JsonView compute = tb.at("compute");
  compute.allow_keys({"host", "cores"});
  h.compute_host = compute.string("host");
  h.compute_cores = compute.string("cores", "");
  if (auto l = tb.find("launcher")) {
    if (!l->is_array() || l->size() == 0)
      l->fail_here("must be a non-empty array of words, e.g. [\"ssh\", \"-tt\"]");
    h.launcher.clear();
    for (std::size_t i = 0; i < l->size(); ++i) h.launcher.push_back(l->at(i).as_string());
  }
  h.tiersplit = tb.string("tiersplit", "");
  if (h.storage_host.empty()) storage.fail_at("host", "must name a machine, e.g. \"user@store1\"");
  if (h.compute_host.empty()) compute.fail_at("host", "must name a machine, e.g. \"user@gpu1\"");
  return h;
}

nlohmann::json hosts_testbed_state(const TestbedOptions& o, double bw, double delay) {
  const TestbedHosts& h = o.hosts;
  if (h.storage_host.empty() || h.compute_host.empty()) {
    fail(
        "testbed hosts: both tiers need a host (--storage-host and --compute-host, or the "
        "scenario's /testbed/storage/host and /testbed/compute/host)");
  }
  // By default the compute host reaches the storage host by its name (the host part of user@host).
  const std::string server_address =
      !h.server_address.empty() ? h.server_address : host_part(h.storage_host);
  if (h.launcher.empty()) fail("testbed hosts: the launcher is empty (e.g. ssh -tt)");
  parse_core_list(h.storage_cores);  // fails on a list that taskset would refuse on the host
  parse_core_list(h.compute_cores);
  const std::string tiersplit = h.tiersplit.empty() ? tiersplit_executable() : h.tiersplit;
  nlohmann::json state = {
      {"mode", "hosts"},
      {"bandwidth", o.bandwidth},
      {"bandwidth_bytes_per_s", bw},
      {"delay", o.delay},
      {"delay_s", delay},
      {"threads", o.threads},
      {"server_address", server_address},
      {"storage_host", h.storage_host},
      {"compute_host", h.compute_host},
      {"storage_cores", h.storage_cores},
      {"compute_cores", h.compute_cores},
      {"launcher", h.launcher},
      {"tiersplit", tiersplit},
      {"link", "the hosts' own network from " + h.storage_host + " to " + h.compute_host +
                   " (not shaped; nominal " + format_bandwidth(bw) + ", " + format_duration(delay) +
                   " one way)"}};
  add_worker_hosts(o, state);
  // A marker in the shared directory that every host must see at the same path.
  RemovedAtExit marker;
  if (!h.shared_dir.empty()) {
    fs::create_directories(h.shared_dir);
    marker.file =
        (fs::absolute(h.shared_dir) / (".tiersplit-shared-" + std::to_string(getpid()))).string();
    std::ofstream(marker.file) << "tiersplit testbed hosts\n";
  }
  std::vector<std::string> tiers{"storage", "compute"};
  for (int r = 1; r < o.workers; ++r) tiers.push_back("worker-" + std::to_string(r));
  for (const std::string& tier : tiers) {
    const std::string host = state.at(tier + "_host").get<std::string>();
    auto argv = on_host(h, host, shell_line({tiersplit, "--version"}) + " && nproc");
    CapturedOutput r = capture_process(argv);
    if (r.status != 0) {
      fail("testbed hosts: cannot run tiersplit on the ", tier, " host ", host, " ('",
           shell_line(argv), "' exited with status ", r.status, ": ", last_line(r.output),
           "). The launcher must reach the host without a password (ssh keys) and ", tiersplit,
           " must exist there (/testbed/tiersplit names another path)");
    }
    // The output ends with the version and the number of cores there (after any login banner).
    const auto lines = lines_of(r.output);
    const std::string cpus = lines.empty() ? "" : lines.back();
    if (lines.size() < 2 || cpus.empty() || cpus.size() > 6 ||
        cpus.find_first_not_of("0123456789") != std::string::npos) {
      fail("testbed hosts: '", shell_line(argv), "' printed '", cpus,
           "' where the number of cores (nproc) was expected");
    }
    state[tier + "_tiersplit_version"] = lines[lines.size() - 2];
    state[tier + "_cpu_count"] = std::stoi(cpus);
    if (!marker.file.empty()) {
      argv = on_host(h, host, shell_line({"test", "-f", marker.file}));
      if (capture_process(argv).status != 0) {
        fail("testbed hosts: ", h.shared_dir, " is not visible on the ", tier, " host ", host,
             " at the same path; the tiers write their measurements and runs there. Share it "
             "with both hosts at that path (NFS, for instance), or name one that is (validate's "
             "--state-dir, testbed up's --shared-dir)");
      }
    }
  }
  if (!h.shared_dir.empty()) state["shared_dir"] = fs::absolute(h.shared_dir).string();
  return state;
}

std::vector<std::string> hosts_exec_argv(
    const nlohmann::json& st, const std::string& tier, std::vector<std::string> command,
    const std::vector<std::pair<std::string, std::string>>& environment) {
  if (!command.empty() && command[0] == tiersplit_executable())
    command[0] = st.at("tiersplit").get<std::string>();
  std::vector<std::string> remote{"env"};
  for (const auto& [k, v] : environment) remote.push_back(k + "=" + v);
  const std::string cores = st.value(tier + "_cores", std::string());
  if (!cores.empty()) remote.insert(remote.end(), {"taskset", "-c", cores});
  remote.insert(remote.end(), command.begin(), command.end());
  std::vector<std::string> argv = st.at("launcher").get<std::vector<std::string>>();
  argv.push_back(st.at(tier + "_host").get<std::string>());
  argv.push_back(shell_line(remote));
  return argv;
}

}  // namespace tiersplit::real_exec
