// study.hpp: a scenario made ready to run: sweep points, resolved tenants, the configurations to simulate.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sim/results.hpp"
#include "sim/scenario.hpp"
#include "sim/simgrid_model.hpp"
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
  std::vector<Config> configs;
};

Study prepare_study(const Scenario& sc, ProfileCache& cache, const StudyOverrides& overrides = {});

/// Plans of every tenant of a configuration.
RunSpec make_run_spec(const Study& study, const Config& config);

/// Results of one configuration (its focus tenants). `simulate_it` false: closed form only.
/// Simulation runs in this process's SimGrid engine (see prepare_engine).
std::vector<TenantResult> run_config(const Study& study, const Config& config, bool simulate_it,
                                     TraceRecorder* trace = nullptr);

/// Most storage and compute nodes any of `configs` needs.
std::pair<int64_t, int64_t> max_nodes(const Study& study, const std::vector<std::size_t>& configs);

struct SweepOptions {
  int jobs = 0;             ///< worker processes; 0: all cores
  Shard shard;              ///< which configurations
  bool simulate = true;     ///< false: closed form only (no workers)
  bool progress = true;     ///< progress bar on a terminal
};

/// Runs the shard's configurations in forked worker processes (each with its own SimGrid engine,
/// taking configurations from a shared counter and simulating them one after another) and returns
/// their results in configuration order. This process never creates a SimGrid engine.
std::vector<TenantResult> run_sweep(const Study& study, const SweepOptions& options);

/// Indices of the configurations in `shard`.
std::vector<std::size_t> shard_configs(const Study& study, const Shard& shard);

/// The results document written by simulate and sweep.
nlohmann::json results_document(const Study& study, const std::vector<TenantResult>& rows, const Shard& shard);

}  // namespace tiersplit::sim
