// groups_recommendation.hpp: what `tiersplit recommend` answers for a groups scenario — per sweep
// point the chosen strategy, extraction, split, storage batch and placement, every strategy as a
// baseline, runner-ups, the bandwidth range where the choice holds — its JSON and summary.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "groups/results.hpp"

namespace tiersplit::groups {

/// The best simulated configuration of one strategy, or why it has none.
struct StrategyBaseline {
  Strategy strategy = Strategy::kGl;
  bool feasible = false;
  std::string why;     ///< when not feasible: why its configurations do not fit
  GroupsResult best;   ///< when feasible: its best simulated configuration
  double speedup = 0;  ///< its makespan / the choice's
};

/// Bandwidth factors (storage-compute network) around 1 where the choice stays within the
/// tolerance of the best alternative (closed form).
struct GroupsBandwidthRange {
  bool holds_at_point = true;
  double low_factor = 1, high_factor = 1;
  bool low_bounded = true, high_bounded = true;
  double low_bps = 0, high_bps = 0;
  /// The closed form's best beyond each end (empty when unbounded).
  std::string below, above;
};

struct GroupsPointRecommendation {
  std::size_t point = 0;
  std::vector<std::pair<std::string, std::string>> labels;
  int64_t groups = 0, samples = 0, configurations = 0, workers = 0;
  double largest_share = 0;
  GroupsResult choice;                       ///< simulated
  std::vector<StrategyBaseline> strategies;  ///< every strategy, in kStrategies order
  std::vector<GroupsResult> runner_ups;      ///< other simulated configurations, best first
  GroupsBandwidthRange bandwidth;
  std::size_t screened = 0, simulated = 0;
  std::vector<std::string> notes;
};

inline constexpr const char* kGroupsRecommendationFormatName = "tiersplit-groups-recommendation";
inline constexpr int kGroupsRecommendationFormatVersion = 1;

struct GroupsRecommendation {
  std::string scenario, scenario_file, input_digest, build;
  double tolerance = 0.05;
  std::vector<GroupsPointRecommendation> points;
};

nlohmann::json to_json(const GroupsRecommendation& r);
/// The readable summary `recommend` prints.
void print_groups_summary(std::ostream& os, const GroupsRecommendation& r);

}  // namespace tiersplit::groups
