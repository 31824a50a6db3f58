// device.cpp: analytic device files (format "tiersplit-device" v1) and the shipped data directory.
#include "profiles/device.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "common/error.hpp"
#include "common/strings.hpp"

namespace tiersplit::profiles {

namespace fs = std::filesystem;

std::string data_dir() {
  if (const char* env = std::getenv("TIERSPLIT_DATA_DIR"); env && *env) return env;
  return TIERSPLIT_DATA_DIR;
}

Device device_from_json(const JsonView& root) {
  root.allow_keys({"format", "version", "name", "kind", "description", "peak_flops",
                   "memory_bandwidth", "memory", "efficiency", "per_block_overhead",
                   "host_link_bandwidth"});
  if (root.string("format") != "tiersplit-device") {
    root.fail_at("format",
                 "expected \"tiersplit-device\", found \"" + root.string("format") + "\"");
  }
  if (root.integer("version") != kDeviceFormatVersion) {
    root.fail_at("version", "unsupported device version " +
                                std::to_string(root.integer("version")) +
                                " (this tiersplit reads version 1)");
  }
  Device d;
  d.name = root.string("name");
  d.kind = root.string("kind");
  if (d.kind != "cpu" && d.kind != "gpu") root.fail_at("kind", "expected \"cpu\" or \"gpu\"");
  d.description = root.string("description", "");
  d.peak_flops = root.quantity("peak_flops", Dimension::kFlopRate);
  d.memory_bandwidth = root.quantity("memory_bandwidth", Dimension::kBandwidth);
  d.memory_bytes = root.quantity("memory", Dimension::kBytes);
  d.efficiency = root.number("efficiency", d.efficiency);
  if (d.efficiency <= 0 || d.efficiency > 1) root.fail_at("efficiency", "must be in (0, 1]");
  d.per_block_overhead_s = root.quantity("per_block_overhead", Dimension::kDuration, 0.0);
  d.host_link_bandwidth = root.quantity("host_link_bandwidth", Dimension::kBandwidth, 0.0);
  if (d.peak_flops <= 0) root.fail_at("peak_flops", "must be positive");
  if (d.memory_bandwidth <= 0) root.fail_at("memory_bandwidth", "must be positive");
  return d;
}

Device load_device(const std::string& file) {
  return device_from_json(load_json_file(file));
}

std::vector<std::string> shipped_devices() {
  std::vector<std::string> names;
  fs::path dir = fs::path(data_dir()) / "devices";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Device find_device(const std::string& name_or_path) {
  bool ends_json =
      name_or_path.size() > 5 && name_or_path.compare(name_or_path.size() - 5, 5, ".json") == 0;
  if (name_or_path.find('/') != std::string::npos || ends_json) {
    return load_device(name_or_path);
  }
  fs::path file = fs::path(data_dir()) / "devices" / (name_or_path + ".json");
  std::error_code ec;  // a name too long for a path is simply not shipped
  if (!fs::exists(file, ec)) {
    auto names = shipped_devices();
    fail("unknown device '", name_or_path, "'", did_you_mean(name_or_path, names),
         " (shipped: ", join(names, ", "), "; or give a path to a device file)");
  }
  return load_device(file.string());
}

}  // namespace tiersplit::profiles
