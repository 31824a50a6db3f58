// results.hpp: one result row per (configuration, tenant) and its JSON, CSV and table forms.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "common/json_reader.hpp"

namespace tiersplit::sim {

/// A result row's swept values: (axis, value) in sweep order.
using Labels = std::vector<std::pair<std::string, std::string>>;

/// The value of `key` in `labels`, "" where the row has none.
std::string label_value(const Labels& labels, const std::string& key);

/// Every axis named by a row's `labels`, in order of first appearance (rows of tenants or
/// groups: any type with a `labels` member).
template <typename Row>
std::vector<std::string> label_columns(const std::vector<Row>& rows) {
  std::vector<std::string> cols;
  for (const auto& r : rows) {
    for (const auto& kv : r.labels) {
      bool seen = false;
      for (const auto& c : cols) seen = seen || c == kv.first;
      if (!seen) cols.push_back(kv.first);
    }
  }
  return cols;
}

struct TenantResult {
  std::size_t config = 0;
  std::size_t point = 0;
  Labels labels;  ///< swept values of the point
  int64_t prefetch_depth = 1;
  int tenant = 0;
  std::string tenant_name;
  std::string model;
  int64_t split = 0;
  int64_t storage_batch = 0;
  int64_t training_batch = 0;
  bool feasible = true;
  std::string note;                   ///< why not feasible
  std::string source = "simulation";  ///< or "closed-form"
  double iteration_s = 0;             ///< steady state
  double first_iteration_s = 0;
  double epoch_s = 0;
  double job_s = 0;
  double bytes_per_iteration = 0;  ///< over the network
  double job_bytes = 0;
  double storage_busy = 0, network_busy = 0, compute_busy = 0;
  double pushdown_memory = 0;  ///< one pushdown: weights + b x peak activation
  double peak_storage_memory = 0;
  double memory_wait_s = 0;  ///< total over the measured iterations
  double memory_wait_per_iteration_s = 0;
  std::string bottleneck;  ///< "storage", "network", "compute" (closed form: or "pipeline")
  double closed_form_iteration_s = 0;
  double closed_form_job_s = 0;
  int64_t measured_iterations = 0;
  int64_t simulated_iterations = 0;
  /// B or b beyond the profiles' measured batch sizes (the time model extrapolates).
  bool extrapolated = false;
  /// Other tenants finished during this tenant's measured window: its steady iteration comes from
  /// the phase after they finished (the closed form models the same phases).
  bool others_finished_in_window = false;
};

nlohmann::json to_json(const TenantResult& r);
/// Reads a row written by to_json; errors name the file and JSON path.
TenantResult result_from_json(const JsonView& j);

/// CSV with a header; label columns are the union of the rows' labels.
void write_csv(std::ostream& os, const std::vector<TenantResult>& rows);
void write_csv_file(const std::string& file, const std::vector<TenantResult>& rows);
/// A readable fixed-width table.
void print_table(std::ostream& os, const std::vector<TenantResult>& rows);

/// Per (sweep point, tenant): the feasible row with the shortest job time, in order.
std::vector<TenantResult> best_per_point(const std::vector<TenantResult>& rows);

}  // namespace tiersplit::sim
