// device.hpp: analytic descriptions of devices that are not here (T4, V100, A100, storage CPUs).
#pragma once

#include <string>
#include <vector>

#include "common/json_reader.hpp"

namespace tiersplit::profiles {

/// A device described by its data sheet: enough for a roofline estimate of each block.
/// JSON (profiles/devices/<name>.json, format "tiersplit-device" v1):
///   {"format": "tiersplit-device", "version": 1, "name": "nvidia-t4", "kind": "gpu",
///    "peak_flops": "8.1TFLOPS", "memory_bandwidth": "320GBps", "memory": "16GiB",
///    "efficiency": 0.6, "per_block_overhead": "40us", "host_link_bandwidth": "12GBps",
///    "description": "..."}
struct Device {
  std::string name;          ///< "nvidia-t4"
  std::string kind = "cpu";  ///< "cpu" or "gpu"
  std::string description;
  double peak_flops = 0;        ///< fp32 FLOP/s from the data sheet
  double memory_bandwidth = 0;  ///< B/s
  double memory_bytes = 0;      ///< B available to pushdowns / training
  double efficiency = 0.6;      ///< fraction of peak a real block reaches (applied to both roofs)
  double per_block_overhead_s = 0;  ///< fixed cost per block call (kernel launches) [s]
  double host_link_bandwidth = 0;   ///< B/s host<->device copy (0: none, a CPU)
};

inline constexpr int kDeviceFormatVersion = 1;

Device device_from_json(const JsonView& root);
Device load_device(const std::string& file);
/// A shipped device by name (profiles/devices/<name>.json) or a path to a device file.
Device find_device(const std::string& name_or_path);
/// Names of the shipped devices.
std::vector<std::string> shipped_devices();

/// Directory holding shipped data (profiles/data, profiles/devices): $TIERSPLIT_DATA_DIR if set,
/// else the source tree's profiles/ folder compiled in.
std::string data_dir();

}  // namespace tiersplit::profiles
