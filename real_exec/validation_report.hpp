// validation_report.hpp: predicted against measured — per-configuration errors, stage attribution,
// rank correlation, whether the choice was the measured best, speed-ups (pure JSON arithmetic).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "sim/results.hpp"

namespace tiersplit::real_exec {

inline constexpr const char* kValidationFormatName = "tiersplit-validation";
inline constexpr int kValidationFormatVersion = 1;

/// What repeated runs of one configuration (`tiersplit train -o` reports) measured, iterations
/// [warmup, end) of each, pooled: {"iterations", "runs", "run_iteration_s" (each run's mean),
/// "iteration_s" (mean), "median_s", "rel_iqr", "std_s", "se_s" (standard error of the mean:
/// from the runs' means when there are several, else from the iterations), "min_s", "max_s",
/// "bytes_per_iteration", "page_faults_per_step", "objects_per_iteration" (when reported),
/// "stages": {"storage_s" (server time), "network_s" (transfer), "compute_s",
/// "storage_wait_s"}}.
nlohmann::json measured_from_train_reports(const std::vector<nlohmann::json>& reports,
                                           int64_t warmup);

/// The same for one run.
nlohmann::json measured_from_train_report(const nlohmann::json& report, int64_t warmup);

/// What a simulation result (`tiersplit simulate -o`, one entry of "results") predicts:
/// {"iteration_s", "bytes_per_iteration", "bottleneck", "stages": {storage_s, network_s,
///  compute_s}} (stage seconds per iteration = busy fraction x iteration time).
nlohmann::json predicted_from_sim_result(const sim::TenantResult& result);

/// Adds "error" to a configuration {"predicted", "measured"}: relative iteration-time error
/// (predicted - measured) / measured, its absolute value, the bytes error, and per stage the
/// predicted - measured seconds; "worst_stage" names the stage with the largest difference.
void add_errors(nlohmann::json& configuration);

/// Spearman's rank correlation of two equally long series (average ranks for ties); 0 when
/// fewer than 2 values or a series is constant.
double rank_correlation(const std::vector<double>& a, const std::vector<double>& b);

/// The summary of one tenant at one point from its configurations (each with "split",
/// "storage_batch", "reasons", "predicted", "measured", "error") and its choice
/// {"split", "storage_batch"}; `tolerance` = 0.05 for "within 5 %".
nlohmann::json tenant_summary(const nlohmann::json& configurations, const nlohmann::json& choice,
                              int64_t freeze_index, double tolerance);

/// (The summary also says, when the reference policy's configuration was among the runs
/// ("reasons" holds "reference-policy"), how far its measured time is from the measured best.)

/// The whole report's summary from its points (each with tenants with "summary").
nlohmann::json overall_summary(const nlohmann::json& points);

}  // namespace tiersplit::real_exec
