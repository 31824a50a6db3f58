// recommendation.hpp: what `tiersplit recommend` decides, its versioned JSON and its terminal
// summary.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "common/json_reader.hpp"
#include "sim/results.hpp"

namespace tiersplit::optimizer {

inline constexpr const char* kRecommendationFormatName = "tiersplit-recommendation";
inline constexpr int kRecommendationFormatVersion = 1;

/// One baseline policy's outcome for one tenant (all tenants follow the policy together).
struct BaselineOutcome {
  std::string name;  ///< "no-pushdown", "all-frozen", "smallest-output", "reference-policy"
  int64_t split = 0;
  int64_t storage_batch = 1;
  bool feasible = true;
  std::string note;
  double iteration_s = 0;  ///< simulated
  double job_s = 0;        ///< simulated
  double speedup = 0;      ///< baseline job / chosen job
};

/// Another choice of the tenant, in a simulated assignment whose makespan is within the tolerance.
struct RunnerUp {
  int64_t split = 0;
  int64_t storage_batch = 1;
  int64_t prefetch_depth = 1;
  double job_s = 0;  ///< simulated job time of the tenant there
  double slowdown =
      0;  ///< that assignment's goal measure (total job time or makespan) / the chosen one's
};

/// Range of a platform factor over which the choice stays within the tolerance of the best.
struct SensitivityRange {
  /// The closed form also finds the choice within the tolerance at the point itself (false: the
  /// simulation and the closed form disagree there, and the range is just the point).
  bool holds_at_point = true;
  double low_factor = 1, high_factor = 1;  ///< multiples of the point's value
  double low = 0, high = 0;  ///< in base units (B/s for bandwidth; factor for storage speed)
  bool low_bounded = true,
       high_bounded = true;  ///< false: holds up to the end of the scanned range
  double scanned_low_factor = 1, scanned_high_factor = 1;
};

/// Predicted time of one (split, storage batch) for the plot: closed form, others at the choice.
struct CurvePoint {
  int64_t split = 0;
  int64_t storage_batch = 1;
  double iteration_s = 0;
  bool fits = true;
};

struct TenantRecommendation {
  int tenant = 0;
  std::string name;
  std::string model;
  int64_t freeze_index = 0;
  int64_t training_batch = 0;
  bool searched = true;  ///< false: kept the scenario's fixed values
  int64_t split = 0;
  int64_t storage_batch = 1;
  /// A larger candidate b would be more than 1% faster alone: memory kept b down.
  bool storage_batch_lowered = false;
  sim::TenantResult predicted;      ///< the simulation of the chosen joint configuration
  double storage_memory_bytes = 0;  ///< one pushdown of this tenant
  double compute_memory_bytes = 0;
  std::vector<BaselineOutcome> baselines;
  std::vector<RunnerUp> runner_ups;
  SensitivityRange bandwidth, storage_speed;
  std::vector<CurvePoint> curve;
};

struct BaselineSummary {
  std::string name;
  bool feasible = true;
  double makespan_s = 0;
  double speedup = 0;  ///< baseline makespan / chosen makespan
};

struct PointRecommendation {
  std::size_t index = 0;
  std::vector<std::pair<std::string, std::string>> labels;
  double bandwidth = 0;  ///< the point's network bandwidth [B/s]
  int64_t prefetch_depth = 1;
  double makespan_s = 0;      ///< simulated
  std::string method;         ///< joint search: "exhaustive" or "coordinate-descent"
  std::size_t screened = 0;   ///< closed-form evaluations
  std::size_t simulated = 0;  ///< configurations simulated
  /// 0: candidates, baselines and runner-ups were simulated with the scenario's measured window;
  /// else with this many iterations per tenant, to rank them where a simulation is long (the
  /// choice is always simulated in full; speed-ups compare like with like).
  int64_t ranking_iterations = 0;
  double storage_memory_used = 0, storage_memory_capacity = 0;  ///< per storage node
  std::vector<double> compute_memory_used;                      ///< per compute node
  double compute_memory_capacity = 0;
  std::vector<TenantRecommendation> tenants;
  std::vector<BaselineSummary> baselines;
};

struct Recommendation {
  std::string scenario;
  std::string scenario_file;
  std::string objective = "time";    ///< "time", "storage" or "network"
  std::string joint_goal = "total";  ///< "total" (sum of job times first) or "makespan"
  double tolerance = 0.05;           ///< runner-ups, sensitivity, and the objective's time slack
  std::vector<int64_t> prefetch_depths;
  std::vector<PointRecommendation> points;
};

nlohmann::json to_json(const Recommendation& r);
/// One point of the document, and back (recommend computes points in child processes).
nlohmann::json to_json(const PointRecommendation& p);
PointRecommendation point_from_json(const JsonView& j);
/// Reads what to_json wrote back into the same types; errors name the file and JSON path.
Recommendation recommendation_from_json(const JsonView& root);
Recommendation read_recommendation(const std::string& file);
/// A short human-readable summary (per point and tenant: choice, time, speed-ups, robustness).
void print_summary(std::ostream& os, const Recommendation& r);

}  // namespace tiersplit::optimizer
