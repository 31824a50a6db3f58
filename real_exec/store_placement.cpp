// store_placement.cpp: reads Swift's processes and their allowed cores from /proc.
#include "real_exec/store_placement.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "real_exec/testbed.hpp"

namespace tiersplit::real_exec {

namespace fs = std::filesystem;

std::vector<StoreProcess> local_swift_processes(const std::string& proc_root) {
  std::vector<StoreProcess> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(proc_root, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::ifstream cmd(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    const bool swift = cmdline.find("swift") != std::string::npos &&
                       (cmdline.find("-server") != std::string::npos ||
                        cmdline.find("run_wsgi") != std::string::npos);
    if (!swift) continue;
    std::ifstream status(entry.path() / "status");
    for (std::string line; std::getline(status, line);) {
      const std::string key = "Cpus_allowed_list:";
      if (line.rfind(key, 0) != 0) continue;
      std::string list = line.substr(key.size());
      list.erase(std::remove_if(list.begin(), list.end(), ::isspace), list.end());
      try {
        out.push_back({std::stoi(name), parse_core_list(list)});
      } catch (const Error&) {
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const StoreProcess& a, const StoreProcess& b) { return a.pid < b.pid; });
  return out;
}

std::string swift_placement_warning(const std::vector<StoreProcess>& processes,
                                    const std::vector<int>& compute_cores) {
  std::vector<int> pids;
  int core = -1;
  for (const auto& p : processes) {
    for (int c : p.cpus) {
      if (std::find(compute_cores.begin(), compute_cores.end(), c) != compute_cores.end()) {
        pids.push_back(p.pid);
        core = core < 0 ? c : core;
        break;
      }
    }
  }
  if (pids.empty()) return "";
  std::string list;
  for (std::size_t i = 0; i < pids.size() && i < 4; ++i)
    list += (i ? ", " : "") + std::to_string(pids[i]);
  if (pids.size() > 4) list += ", ...";
  return std::to_string(pids.size()) + " Swift process(es) on this machine (pid " + list +
         ") may run on the compute tier's core " + std::to_string(core) +
         ": their work would count as the trainer's. Pin Swift to the storage tier's cores "
         "(scripts/swift-aio.sh --cpus LIST)";
}

}  // namespace tiersplit::real_exec
