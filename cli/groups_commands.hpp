// groups_commands.hpp: simulate, sweep, merge and recommend on learning-over-groups scenarios —
// what cmd_sim.cpp and cmd_recommend.cpp hand over when a scenario's workload is "groups".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tiersplit::cli {

struct GroupsRunArgs {
  std::string scenario;
  std::string output;  ///< results JSON (empty: none)
  std::string csv;
  std::string trace;   ///< simulate: the first configuration's timeline
  std::string shard = "1/1";
  std::optional<int64_t> split, storage_batch;  ///< simulate: narrow the search space
  int jobs = 0;
  bool closed_form = false;
  bool quiet = false;
  bool sweep = false;  ///< sweep (progress on stderr, best per point) rather than simulate
};

/// `simulate` or `sweep` on a groups scenario.
void run_groups_simulate(const GroupsRunArgs& a);
/// `merge` of groups results files.
void run_groups_merge(const std::vector<std::string>& inputs, const std::string& output,
                      const std::string& csv, bool quiet);

struct GroupsRecommendArgs {
  std::string scenario;
  std::string output = "recommendation.json";
  std::string plot;
  std::string trace;
  double tolerance_percent = 5;
  int jobs = 0;
  std::size_t finalists = 6;
  bool quiet = false;
};

/// `recommend` on a groups scenario.
void run_groups_recommend(const GroupsRecommendArgs& a);

}  // namespace tiersplit::cli
