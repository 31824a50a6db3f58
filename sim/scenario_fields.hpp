// scenario_fields.hpp: how scenario files read their fields — quantities with units and ranges,
// paths relative to the file, lists, the platform section — shared by every workload kind
// (tenants here, groups in groups/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json_reader.hpp"
#include "sim/scenario.hpp"

namespace tiersplit::sim {

/// `p` relative to `base_dir` (absolute paths and empty ones stay as they are).
std::string resolve_path(const std::string& base_dir, const std::string& p);
/// A device name stays a name; something that looks like a file is resolved against base_dir.
std::string resolve_device(const std::string& base_dir, const std::string& d);

/// An integer member >= minimum (absent: fallback).
int64_t positive_integer(const JsonView& v, const std::string& key, int64_t fallback,
                         int64_t minimum = 1);
/// A quantity member > 0 (>= 0 with allow_zero; absent: fallback).
double positive_quantity(const JsonView& v, const std::string& key, Dimension d, double fallback,
                         bool allow_zero = false);
double required_positive_quantity(const JsonView& v, const std::string& key, Dimension d);
/// An optional limit: absent, "none"/"off" -> 0, else a positive quantity.
double optional_limit(const JsonView& v, const std::string& key, Dimension d);
/// An element of a list: an integer >= minimum.
int64_t list_integer(const JsonView& v, int64_t minimum);

/// A non-empty list member mapped by `item` (absent: empty).
template <typename T, typename F>
std::vector<T> list_of(const JsonView& parent, const std::string& key, F item) {
  std::vector<T> out;
  if (!parent.has(key)) return out;
  JsonView arr = parent.at(key);
  if (arr.size() == 0) arr.fail_here("must not be empty");
  for (std::size_t i = 0; i < arr.size(); ++i) out.push_back(item(arr.at(i)));
  return out;
}

/// The "platform" section (storage, network, compute, compute_network, interference).
PlatformParams parse_platform(const JsonView& p, const std::string& dir);

/// Checks "format" and "version" of a scenario document.
void check_scenario_header(const JsonView& root);

}  // namespace tiersplit::sim
