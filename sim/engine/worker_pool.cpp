// worker_pool.cpp: configurations simulated in forked workers (one engine each, reused from clock 0
// for every configuration) through common/process_map, rows collected in order.
#include "sim/engine/worker_pool.hpp"

#include <memory>
#include <optional>

#include "common/json_reader.hpp"
#include "common/process_map.hpp"
#include "common/progress.hpp"
#include "sim/engine/simgrid_model.hpp"
#include "sim/trace.hpp"

namespace tiersplit::sim {

namespace {

/// Simulates configuration `ci` in this process; its rows as JSON lines.
std::string run_one(const Study& study, std::size_t ci, const std::string& trace_file) {
  const Configuration& config = study.configs[ci];
  const ConfigurationCosts costs = configuration_costs(study, config);
  std::unique_ptr<TraceRecorder> trace;
  if (!trace_file.empty()) trace = std::make_unique<TraceRecorder>();
  RunOutput out;
  if (needs_simulation(study, config, costs)) out = simulate(costs, trace.get());
  std::string text;
  for (const auto& r : result_rows(study, ci, costs, &out)) text += to_json(r).dump() + "\n";
  if (trace) trace->write(trace_file);
  return text;
}

std::vector<TenantResult> rows_of(const std::string& text) {
  std::vector<TenantResult> rows;
  std::size_t start = 0, nl;
  while ((nl = text.find('\n', start)) != std::string::npos) {
    rows.push_back(
        result_from_json(parse_json_text(text.substr(start, nl - start), "<simulation worker>")));
    start = nl + 1;
  }
  return rows;
}

}  // namespace

std::vector<std::string> simulate_items(std::size_t n, const RunOptions& options,
                                        const std::function<void()>& prepare,
                                        const std::function<std::string(std::size_t)>& run_item) {
  std::optional<ProgressBar> bar;
  if (options.progress && n > 0) bar.emplace(options.label, static_cast<int64_t>(n));
  MapOptions mo;
  mo.jobs = options.jobs;
  mo.prepare = prepare;
  if (bar) mo.done = [&bar](std::size_t) { bar->advance(1); };
  // Each item from clock 0 (simgrid_model.hpp); where the clock cannot be set back, each in a
  // child forked from its worker, so that it starts from the worker's state whatever ran before.
  auto work = [&](std::size_t i) {
    return can_restart_clock() ? run_item(i) : in_child([&] { return run_item(i); });
  };
  std::vector<std::string> out = map_in_processes(n, work, mo);
  if (bar) bar->finish();
  return out;
}

std::vector<TenantResult> run_configurations(const Study& study,
                                             const std::vector<std::size_t>& which,
                                             const RunOptions& options) {
  std::vector<TenantResult> rows;
  if (which.empty()) return rows;
  if (!options.simulate) {
    for (std::size_t ci : which) {
      for (auto& r : closed_form_rows(study, ci)) rows.push_back(std::move(r));
    }
    return rows;
  }
  auto prepare = [&] {
    auto [s, c] = max_nodes(study, which);
    prepare_engine(study.points[study.configs[which.front()].point].platform, s, c);
  };
  auto run_item = [&](std::size_t i) {
    return run_one(study, which[i], i == 0 ? options.trace_file : std::string());
  };
  for (const std::string& text : simulate_items(which.size(), options, prepare, run_item)) {
    for (auto& r : rows_of(text)) rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<TenantResult> run_shard(const Study& study, const Shard& shard,
                                    const RunOptions& options) {
  return run_configurations(study, shard_configs(study, shard), options);
}

}  // namespace tiersplit::sim
