// study.hpp: a scenario made ready to run — sweep points, resolved tenants, the configurations
// to evaluate — and the result rows of one configuration.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/configuration.hpp"
#include "sim/results.hpp"
#include "sim/run_output.hpp"
#include "sim/scenario.hpp"
#include "sim/stage_costs.hpp"
#include "sim/sweep.hpp"

namespace tiersplit::sim {

/// Overrides from the command line (`simulate --split s --storage-batch b`): every tenant.
struct StudyOverrides {
  std::optional<int64_t> split;
  std::optional<int64_t> storage_batch;
};

/// Configurations of a scenario. A point whose tenants are all fixed is one configuration that
/// reports every tenant. Otherwise each searching tenant tries each of its candidates while the
/// others keep their baseline (fixed values, or for searching tenants their best candidate by the
/// closed form alone); fixed tenants are reported once per point, at the baseline.
struct Study {
  Scenario scenario;
  std::vector<SweepPoint> points;
  std::vector<std::vector<ResolvedTenant>> tenants;  ///< per point
  std::vector<std::vector<Choice>> baseline;         ///< per point, per tenant
  std::vector<Configuration> configs;
  /// Digest of the scenario and of every profile it read: results of one study agree on it.
  std::string input_digest;
};

Study prepare_study(const Scenario& sc, ProfileCache& cache, const StudyOverrides& overrides = {});

/// The costs of every tenant of a configuration of the study.
ConfigurationCosts configuration_costs(const Study& study, const Configuration& config);

/// Whether the configuration has anything to simulate: a reported tenant whose pushdown fits.
bool needs_simulation(const Study& study, const Configuration& config,
                      const ConfigurationCosts& costs);

/// The result rows of configuration `index` (its reported tenants): from the simulation's output
/// when `sim` is given, else from the closed form. Tenants whose pushdown can never fit a storage
/// node get an infeasible row saying why.
std::vector<TenantResult> result_rows(const Study& study, std::size_t index,
                                      const ConfigurationCosts& costs, const RunOutput* sim);

/// Closed-form result rows of configuration `index`.
std::vector<TenantResult> closed_form_rows(const Study& study, std::size_t index);

/// Most storage and compute nodes any of `configs` needs.
std::pair<int64_t, int64_t> max_nodes(const Study& study, const std::vector<std::size_t>& configs);

/// Indices of the configurations in `shard`.
std::vector<std::size_t> shard_configs(const Study& study, const Shard& shard);

}  // namespace tiersplit::sim
