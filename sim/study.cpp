// study.cpp: configurations of a scenario and the result rows of one configuration.
#include "sim/study.hpp"

#include <algorithm>
#include <limits>

#include "common/error.hpp"
#include "common/progress.hpp"
#include "common/units.hpp"
#include "sim/closed_form.hpp"

namespace tiersplit::sim {

namespace {

bool is_searching(const TenantParams& t) { return t.split < 0 || t.storage_batch < 0; }

/// The candidate with the shortest closed-form job time for the tenant alone.
Choice best_alone(const Study& st, const SweepPoint& point, const ResolvedTenant& t) {
  Choice best{0, std::min<int64_t>(t.params.batch_size, 1)};
  double best_job = std::numeric_limits<double>::infinity();
  bool have = false;
  for (const Choice& c : candidate_choices(st.scenario, t)) {
    TenantCosts costs = make_tenant_costs(st.scenario, point, t, c);
    if (!fits_storage_memory(costs, point.platform)) continue;
    ClosedForm cf = closed_form({costs}, 0, point.platform, point.prefetch_depth);
    if (!have || cf.job_s < best_job) {
      best = c;
      best_job = cf.job_s;
      have = true;
    }
  }
  if (!have) {
    auto cands = candidate_choices(st.scenario, t);
    best = {0, cands.front().storage_batch};  // no pushdown always fits
  }
  return best;
}

}  // namespace

Study prepare_study(const Scenario& sc, ProfileCache& cache, const StudyOverrides& overrides) {
  Study st;
  st.scenario = sc;
  st.points = expand_sweep(sc);
  for (SweepPoint& point : st.points) {
    std::vector<ResolvedTenant> tenants = resolve_tenants(sc, point, cache);
    for (std::size_t i = 0; i < tenants.size(); ++i) {
      ResolvedTenant& t = tenants[i];
      if (overrides.split) {
        if (*overrides.split < 0 || *overrides.split > t.freeze_index) {
          fail("--split ", *overrides.split, " is beyond the freeze index ", t.freeze_index, " of tenant '",
               t.params.name, "' (", t.params.model, "; splits run from 0 to the freeze index)");
        }
        t.params.split = *overrides.split;
      }
      if (overrides.storage_batch) {
        if (*overrides.storage_batch < 1 || *overrides.storage_batch > t.params.batch_size) {
          fail("--storage-batch ", *overrides.storage_batch, " is larger than the training batch ",
               t.params.batch_size, " of tenant '", t.params.name, "' (or below 1)");
        }
        t.params.storage_batch = *overrides.storage_batch;
      }
      point.tenants[i] = t.params;
    }
    std::vector<Choice> baseline;
    for (const auto& t : tenants) {
      baseline.push_back(is_searching(t.params) ? best_alone(st, point, t)
                                                : Choice{t.params.split, t.params.storage_batch});
    }
    // Validate every candidate now (split range, measured batch sizes): errors before any work.
    for (const auto& t : tenants) {
      for (const Choice& c : candidate_choices(sc, t)) make_tenant_costs(sc, point, t, c);
    }
    st.tenants.push_back(std::move(tenants));
    st.baseline.push_back(std::move(baseline));
  }
  for (std::size_t pi = 0; pi < st.points.size(); ++pi) {
    const auto& tenants = st.tenants[pi];
    const auto& baseline = st.baseline[pi];
    std::vector<int> fixed, searching;
    for (std::size_t i = 0; i < tenants.size(); ++i) {
      (is_searching(tenants[i].params) ? searching : fixed).push_back(static_cast<int>(i));
    }
    auto add = [&](std::vector<Choice> choices, std::vector<int> report) {
      Configuration c;
      c.point = pi;
      c.prefetch_depth = st.points[pi].prefetch_depth;
      c.choices = std::move(choices);
      c.report = std::move(report);
      st.configs.push_back(std::move(c));
    };
    if (!fixed.empty()) add(baseline, fixed);
    for (int t : searching) {
      for (const Choice& c : candidate_choices(sc, tenants[static_cast<std::size_t>(t)])) {
        std::vector<Choice> choices = baseline;
        choices[static_cast<std::size_t>(t)] = c;
        add(std::move(choices), {t});
      }
    }
  }
  st.input_digest = sc.digest + "-" + cache.digest();
  return st;
}

ConfigurationCosts configuration_costs(const Study& study, const Configuration& config) {
  const SweepPoint& point = study.points[config.point];
  const auto& tenants = study.tenants[config.point];
  ConfigurationCosts costs;
  costs.platform = point.platform;
  costs.prefetch_depth = config.prefetch_depth;
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    costs.tenants.push_back(
        make_tenant_costs(study.scenario, point, tenants[i], config.choices[i]));
  }
  return costs;
}

bool needs_simulation(const Study& study, const Configuration& config,
                      const ConfigurationCosts& costs) {
  const PlatformParams& pf = study.points[config.point].platform;
  for (int t : config.reported()) {
    if (fits_storage_memory(costs.tenants[static_cast<std::size_t>(t)], pf)) return true;
  }
  return false;
}

namespace {

std::string bottleneck_of(double storage, double network, double compute) {
  if (compute >= storage && compute >= network) return "compute";
  if (storage >= network) return "storage";
  return "network";
}

/// The row's identity and static facts: configuration, tenant, choice, memory.
TenantResult row_head(const Study& study, std::size_t index, const ConfigurationCosts& costs,
                      std::size_t t) {
  const Configuration& config = study.configs[index];
  const TenantCosts& c = costs.tenants[t];
  TenantResult r;
  r.config = index;
  r.point = config.point;
  r.labels = study.points[config.point].labels;
  r.prefetch_depth = config.prefetch_depth;
  r.tenant = static_cast<int>(t);
  r.tenant_name = c.name;
  r.model = study.tenants[config.point][t].params.model;
  r.split = c.split;
  r.storage_batch = c.storage_batch;
  r.training_batch = c.training_batch;
  r.pushdown_memory = c.pushdown_memory_bytes;
  r.extrapolated = c.extrapolated;
  return r;
}

void fill_from_simulation(TenantResult& r, const TenantCosts& c, const TenantRun& run) {
  r.source = "simulation";
  r.iteration_s = run.iteration_s;
  r.first_iteration_s = run.first_iteration_s;
  r.job_s = run.job_s;
  r.epoch_s = static_cast<double>(c.iterations_per_epoch) * run.iteration_s;
  r.bytes_per_iteration = run.bytes_per_iteration;
  r.storage_busy = run.storage_busy;
  r.network_busy = run.network_busy;
  r.compute_busy = run.compute_busy;
  r.peak_storage_memory = run.peak_storage_memory;
  r.memory_wait_s = run.memory_wait_s;
  r.memory_wait_per_iteration_s =
      run.measured_iterations > 0
          ? run.memory_wait_s / static_cast<double>(run.measured_iterations)
          : 0;
  r.bottleneck = bottleneck_of(r.storage_busy, r.network_busy, r.compute_busy);
  r.measured_iterations = run.measured_iterations;
  r.simulated_iterations = run.simulated_iterations;
  r.others_finished_in_window = run.running_at_window_end < run.running_at_window_begin;
}

void fill_from_closed_form(TenantResult& r, const TenantCosts& c, const ClosedForm& cf) {
  r.source = "closed-form";
  r.iteration_s = cf.iteration_s;
  r.first_iteration_s = cf.first_iteration_s;
  r.job_s = cf.job_s;
  r.epoch_s = cf.epoch_s;
  r.bytes_per_iteration = cf.bytes_per_iteration;
  r.storage_busy = cf.storage_busy;
  r.network_busy = cf.network_busy;
  r.compute_busy = cf.compute_busy;
  r.peak_storage_memory = c.pushdown_memory_bytes;
  r.bottleneck = cf.bottleneck;
  r.others_finished_in_window = cf.others_finish_in_window;
}

}  // namespace

std::vector<TenantResult> result_rows(const Study& study, std::size_t index,
                                      const ConfigurationCosts& costs, const RunOutput* sim) {
  const Configuration& config = study.configs[index];
  const PlatformParams& pf = study.points[config.point].platform;
  std::vector<TenantResult> rows;
  const std::vector<ClosedForm> forms = closed_forms(costs.tenants, pf, costs.prefetch_depth);
  for (int f : config.reported()) {
    const auto fi = static_cast<std::size_t>(f);
    const TenantCosts& c = costs.tenants[fi];
    TenantResult r = row_head(study, index, costs, fi);
    if (!fits_storage_memory(c, pf)) {
      r.feasible = false;
      r.note = "one pushdown needs " + format_bytes(c.pushdown_memory_bytes) +
               ", a storage node has " + format_bytes(pf.storage.memory_bytes);
      r.source = sim ? "simulation" : "closed-form";
      rows.push_back(r);
      continue;
    }
    const ClosedForm& cf = forms[fi];
    r.closed_form_iteration_s = cf.iteration_s;
    r.closed_form_job_s = cf.job_s;
    if (sim)
      fill_from_simulation(r, c, sim->tenants[fi]);
    else
      fill_from_closed_form(r, c, cf);
    r.job_bytes = r.bytes_per_iteration * static_cast<double>(c.total_iterations);
    rows.push_back(r);
  }
  return rows;
}

std::vector<TenantResult> closed_form_rows(const Study& study, std::size_t index) {
  return result_rows(study, index, configuration_costs(study, study.configs[index]), nullptr);
}

std::pair<int64_t, int64_t> max_nodes(const Study& study, const std::vector<std::size_t>& configs) {
  int64_t s = 1, c = 1;
  for (std::size_t i : configs) {
    const SweepPoint& p = study.points[study.configs[i].point];
    s = std::max(s, p.platform.storage.nodes);
    c = std::max(c, p.platform.compute.nodes);
  }
  return {s, c};
}

std::vector<std::size_t> shard_configs(const Study& study, const Shard& shard) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < study.configs.size(); ++i) {
    if (shard.contains(i)) out.push_back(i);
  }
  return out;
}

}  // namespace tiersplit::sim
