// results.hpp: one result row per groups configuration (strategy, extraction, split, storage
// batch, placement at a sweep point), its JSON, CSV and table, and the results file.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "common/json_reader.hpp"
#include "groups/closed_form.hpp"
#include "groups/scenario.hpp"
#include "sim/results.hpp"
#include "sim/sweep.hpp"

namespace tiersplit::groups {

struct GroupsResult {
  std::size_t config = 0;
  std::size_t point = 0;
  sim::Labels labels;  ///< swept values of the point
  GroupsChoice choice;
  GroupsOutcome outcome;              ///< simulated, or the closed form's
  double closed_form_makespan_s = 0;  ///< beside a simulated one
  int64_t sharded_groups = 0;
  bool extrapolated = false;
};

nlohmann::json to_json(const GroupsResult& r);
GroupsResult groups_result_from_json(const JsonView& j);

/// CSV with a header (one column per swept axis, per-worker times summarised).
void write_groups_csv(std::ostream& os, const std::vector<GroupsResult>& rows);
void write_groups_csv_file(const std::string& file, const std::vector<GroupsResult>& rows);
/// A readable fixed-width table.
void print_groups_table(std::ostream& os, const std::vector<GroupsResult>& rows);
/// Per point: the feasible row with the shortest makespan, in point order.
std::vector<GroupsResult> best_groups_per_point(const std::vector<GroupsResult>& rows);

inline constexpr const char* kGroupsResultsFormatName = "tiersplit-groups-results";
inline constexpr int kGroupsResultsFormatVersion = 1;

struct GroupsResultsDocument {
  std::string scenario, scenario_file, input_digest, build;
  sim::Shard shard;
  std::size_t configurations = 0, sweep_points = 0;
  std::vector<GroupsResult> results;
};

nlohmann::json to_json(const GroupsResultsDocument& doc);
/// Whether `file` is a groups results file (by its "format").
bool is_groups_results(const std::string& file);
GroupsResultsDocument read_groups_results(const std::string& file);
/// The shards of one groups sweep as one document (sim::check_shards says what is refused).
GroupsResultsDocument merge_groups_results(const std::vector<GroupsResultsDocument>& shards,
                                           const std::vector<std::string>& files);

}  // namespace tiersplit::groups
