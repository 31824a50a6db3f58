// scenario.hpp: a scenario file whose workload is learning over groups ("workload": {"groups":
// ...}), parsed strictly, and its sweep points.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/json_reader.hpp"
#include "common/strings.hpp"
#include "groups/workload.hpp"
#include "sim/scenario.hpp"

namespace tiersplit::groups {

/// How the g x s heads are spread over the P workers (Kingpin's strategies).
enum class Strategy {
  kMtp,  ///< one task per (group, configuration), anywhere
  kGtp,  ///< one task per group on one worker, its configurations trained there
  kDp,   ///< every (group, configuration) over all workers, an all-reduce per update
  kSp,   ///< DP for groups above the median size, GTP for the rest
  kGl,   ///< grouped learning: groups placed on workers, big ones sharded, GAP between shards
};
inline constexpr Strategy kStrategies[] = {Strategy::kMtp, Strategy::kGtp, Strategy::kDp,
                                           Strategy::kSp, Strategy::kGl};
const char* to_string(Strategy s);

/// How the frozen backbone's output reaches the heads.
enum class Extraction {
  kPerConfig,  ///< a stream through the pushdown per configuration and epoch
  kShared,     ///< one stream per group and epoch feeds every head of the group on the worker
  kCached,     ///< features at the freeze index extracted once, kept on the worker
};
inline constexpr Extraction kExtractions[] = {Extraction::kPerConfig, Extraction::kShared,
                                              Extraction::kCached};
const char* to_string(Extraction e);

/// How grouped learning places groups on workers.
enum class Placement {
  kWrapAround,  ///< Kingpin: groups largest first, each worker filled to n/P, overflow sharded
  kBalanced,    ///< groups above n/P sharded over the fewest workers, the rest packed largest
                ///< first onto the least loaded worker (no small group split)
};
inline constexpr Placement kPlacements[] = {Placement::kWrapAround, Placement::kBalanced};
const char* to_string(Placement p);

/// The value among `values` (kStrategies, kExtractions, kPlacements) whose name is `name`; else
/// nullopt and, in `why`, "'name' is not one of a, b, c" with a suggestion.
template <typename E, std::size_t N>
std::optional<E> named_value(const std::string& name, const E (&values)[N], std::string* why) {
  std::vector<std::string> names;
  for (E e : values) {
    if (name == to_string(e)) return e;
    names.emplace_back(to_string(e));
  }
  *why = "'" + name + "' is not one of " + join(names, ", ") + did_you_mean(name, names);
  return std::nullopt;
}

/// One configuration of a groups workload: strategy, extraction, split, storage batch, placement.
struct GroupsChoice {
  Strategy strategy = Strategy::kGl;
  Extraction extraction = Extraction::kShared;
  int64_t split = 0;
  int64_t storage_batch = 1;
  Placement placement = Placement::kWrapAround;  ///< GL only
  std::string label() const;
  bool operator<(const GroupsChoice& o) const;
  bool operator==(const GroupsChoice& o) const { return !(*this < o) && !(o < *this); }
};

/// What the search may try; empty lists: everything (splits 0..f, powers of two up to B).
struct GroupsSearchSpace {
  std::vector<Strategy> strategies;
  std::vector<Extraction> extractions;
  std::vector<Placement> placements;
  std::vector<int64_t> splits;
  std::vector<int64_t> storage_batches;
};

/// Sweep axes, each empty when not swept.
struct GroupsSweep {
  std::vector<double> bandwidth;
  std::vector<int64_t> workers;         ///< P
  std::vector<int64_t> groups;          ///< g (generated sizes only)
  std::vector<double> zipf;             ///< skew (generated sizes only)
  std::vector<double> largest_share;    ///< skew (generated sizes only)
  std::vector<int64_t> configurations;  ///< s: the first s of the grid
  std::vector<int64_t> epochs;          ///< every configuration's epochs
};

struct GroupsScenario {
  std::string file, dir, name, description, digest;
  sim::PlatformParams platform;  ///< compute.nodes is P
  GroupsWorkload workload;
  GroupsSearchSpace search;  ///< fixed values of "strategy" narrow it to one entry
  GroupsSweep sweep;
  int64_t chunks = 16;   ///< pieces a stream step is cut into (pipelining)
  int64_t prefetch = 2;  ///< pieces a worker's pushdown may run ahead of its heads
  bool allow_extrapolation = false;
};

/// Whether the scenario file's workload is a groups workload (reads only that).
bool is_groups_scenario(const std::string& file);

GroupsScenario groups_scenario_from_json(const JsonView& root, const std::string& base_dir);
GroupsScenario load_groups_scenario(const std::string& file);

/// One point of the sweep's cross product: platform and workload with the swept values applied.
struct GroupsPoint {
  std::size_t index = 0;
  sim::PlatformParams platform;
  GroupsWorkload workload;
  std::vector<std::pair<std::string, std::string>> labels;
};

/// Every point, bandwidth outermost, then workers, groups, zipf, largest_share, configurations,
/// epochs.
std::vector<GroupsPoint> expand_groups_sweep(const GroupsScenario& sc);

}  // namespace tiersplit::groups
