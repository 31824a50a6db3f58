// cmd_sim.cpp: `tiersplit simulate` (one scenario's configurations, a table), `tiersplit sweep`
// (the whole space, in parallel, or a shard of it) and `tiersplit merge` (shards into one).
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/groups_commands.hpp"
#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "common/units.hpp"
#include "groups/results.hpp"
#include "groups/scenario.hpp"
#include "sim/engine/worker_pool.hpp"
#include "sim/results_document.hpp"
#include "sim/scenario.hpp"
#include "sim/study.hpp"

namespace tiersplit::cli {
namespace {

sim::Scenario load_or_quickstart(const std::string& file) {
  if (file.empty()) return sim::embedded_quickstart();
  return sim::load_scenario(file);
}

void print_best(std::ostream& os, const std::vector<sim::TenantResult>& rows) {
  auto best = sim::best_per_point(rows);
  if (best.empty()) {
    os << "no feasible configuration\n";
    return;
  }
  os << "\nbest configuration per sweep point and tenant (shortest job time):\n";
  sim::print_table(os, best);
}

struct SimulateArgs {
  std::string scenario;
  std::optional<int64_t> split;
  std::optional<int64_t> storage_batch;
  std::string output = "simulation.json";
  std::string csv;
  std::string trace;
  int jobs = 0;
  bool closed_form = false;
};

bool groups_scenario(const std::string& file) {
  return !file.empty() && groups::is_groups_scenario(file);
}

void run_simulate(const SimulateArgs& a) {
  if (groups_scenario(a.scenario)) {
    GroupsRunArgs g;
    g.scenario = a.scenario;
    g.output = a.output;
    g.csv = a.csv;
    g.trace = a.trace;
    g.split = a.split;
    g.storage_batch = a.storage_batch;
    g.jobs = a.jobs;
    g.closed_form = a.closed_form;
    run_groups_simulate(g);
    return;
  }
  if (a.jobs < 0) fail("--jobs ", a.jobs, ": must be at least 1 (or 0 for all cores)");
  if (!a.trace.empty() && a.closed_form) fail("--trace needs the simulation (drop --closed-form)");
  sim::Scenario sc = load_or_quickstart(a.scenario);
  sim::ProfileCache cache;
  sim::Study study = sim::prepare_study(sc, cache, {a.split, a.storage_batch});
  sim::RunOptions opt;
  opt.jobs = a.jobs;
  opt.simulate = !a.closed_form;
  opt.trace_file = a.trace;  // the first configuration only: traces of many runs would overlap
  std::vector<sim::TenantResult> rows = sim::run_shard(study, sim::Shard{}, opt);
  std::cout << "scenario " << sc.name << " (" << sc.file << "): " << study.configs.size()
            << " configuration(s), " << (a.closed_form ? "closed form" : "simulated") << "\n";
  sim::print_table(std::cout, rows);
  if (study.configs.size() > 1) print_best(std::cout, rows);
  write_json_file(a.output, sim::to_json(sim::results_document(study, rows, sim::Shard{})));
  std::cout << "wrote " << a.output << "\n";
  if (!a.csv.empty()) {
    sim::write_csv_file(a.csv, rows);
    std::cout << "wrote " << a.csv << "\n";
  }
  if (!a.trace.empty())
    std::cout << "wrote " << a.trace << " (configuration 0; open in https://ui.perfetto.dev)\n";
}

struct SweepArgs {
  std::string scenario;
  std::string output;
  std::string csv;
  std::string shard = "1/1";
  int jobs = 0;
  bool closed_form = false;
  bool quiet = false;
};

void run_sweep_command(const SweepArgs& a) {
  if (groups_scenario(a.scenario)) {
    GroupsRunArgs g;
    g.scenario = a.scenario;
    g.output = a.output;
    g.csv = a.csv;
    g.shard = a.shard;
    g.jobs = a.jobs;
    g.closed_form = a.closed_form;
    g.quiet = a.quiet;
    g.sweep = true;
    run_groups_simulate(g);
    return;
  }
  sim::Shard shard = sim::parse_shard(a.shard);
  if (a.jobs < 0) fail("--jobs ", a.jobs, ": must be at least 1 (or 0 for all cores)");
  sim::Scenario sc = load_or_quickstart(a.scenario);
  sim::ProfileCache cache;
  sim::Study study = sim::prepare_study(sc, cache);
  sim::RunOptions opt;
  opt.jobs = a.jobs;
  opt.simulate = !a.closed_form;
  opt.label = "sweep";
  std::size_t in_shard = sim::shard_configs(study, shard).size();
  std::cerr << "sweep " << sc.name << " (" << sc.file << "): " << study.points.size() << " sweep point(s), "
            << study.configs.size() << " configuration(s)";
  if (shard.count > 1) std::cerr << ", shard " << a.shard << ": " << in_shard;
  std::cerr << "\n";
  auto rows = sim::run_shard(study, shard, opt);
  if (!a.output.empty()) {
    write_json_file(a.output, sim::to_json(sim::results_document(study, rows, shard)));
    std::cerr << "wrote " << a.output << "\n";
  }
  if (!a.csv.empty()) {
    sim::write_csv_file(a.csv, rows);
    std::cerr << "wrote " << a.csv << "\n";
  }
  if (!a.quiet) print_best(std::cout, rows);
}

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string output = "results.json";
  std::string csv;
  bool quiet = false;
};

void run_merge(const MergeArgs& a) {
  if (!a.inputs.empty() && groups::is_groups_results(a.inputs.front())) {
    run_groups_merge(a.inputs, a.output, a.csv, a.quiet);
    return;
  }
  std::vector<sim::ResultsDocument> shards;
  for (const auto& f : a.inputs) shards.push_back(sim::read_results_document(f));
  sim::ResultsDocument merged = sim::merge_results(shards, a.inputs);
  write_json_file(a.output, sim::to_json(merged));
  std::cerr << "merged " << shards.size() << " shard(s) of " << merged.scenario << ": "
            << merged.configurations << " configuration(s), " << merged.results.size()
            << " row(s)\nwrote " << a.output << "\n";
  if (!a.csv.empty()) {
    sim::write_csv_file(a.csv, merged.results);
    std::cerr << "wrote " << a.csv << "\n";
  }
  if (!a.quiet) print_best(std::cout, merged.results);
}

}  // namespace

void add_sim_commands(CLI::App& app) {
  auto simulate_args = std::make_shared<SimulateArgs>();
  CLI::App* simulate = app.add_subcommand(
      "simulate", "Simulate a scenario's configurations and print a table (default: the built-in quickstart)");
  simulate->add_option("scenario", simulate_args->scenario, "scenario file (docs/scenario-format.md)");
  simulate->add_option("--split", simulate_args->split, "split point s for every tenant (0..freeze index)");
  simulate->add_option("--storage-batch", simulate_args->storage_batch, "storage batch b for every tenant (<= B)");
  simulate->add_option("-o,--output", simulate_args->output, "results JSON file")->capture_default_str();
  simulate->add_option("--csv", simulate_args->csv, "also write the results as CSV");
  simulate->add_option("--trace", simulate_args->trace,
                       "write the first configuration's timeline as Chrome trace events (Perfetto)");
  simulate->add_option("-j,--jobs", simulate_args->jobs, "worker processes (0: one per core)")
      ->capture_default_str();
  simulate->add_flag("--closed-form", simulate_args->closed_form, "use the closed form only, no simulation");
  simulate->callback([simulate_args] { run_simulate(*simulate_args); });

  auto sweep_args = std::make_shared<SweepArgs>();
  CLI::App* sweep = app.add_subcommand(
      "sweep", "Simulate every configuration of a scenario on all cores and print the best (default: the quickstart)");
  sweep->add_option("scenario", sweep_args->scenario, "scenario file (docs/scenario-format.md)");
  sweep->add_option("-o,--output", sweep_args->output, "results JSON file");
  sweep->add_option("--csv", sweep_args->csv, "also write the results as CSV");
  sweep->add_option("--shard", sweep_args->shard, "run shard i of n (every n-th configuration from the i-th)")
      ->capture_default_str();
  sweep->add_option("-j,--jobs", sweep_args->jobs, "worker processes (0: one per core)")->capture_default_str();
  sweep->add_flag("--closed-form", sweep_args->closed_form, "use the closed form only (screening), no simulation");
  sweep->add_flag("-q,--quiet", sweep_args->quiet, "do not print the best configurations");
  sweep->callback([sweep_args] { run_sweep_command(*sweep_args); });

  auto merge_args = std::make_shared<MergeArgs>();
  CLI::App* merge = app.add_subcommand(
      "merge",
      "Merge the shards of one sweep (sweep --shard i/n -o ...) into the result of the whole "
      "sweep");
  merge->add_option("shards", merge_args->inputs, "results files, one per shard")->required();
  merge->add_option("-o,--output", merge_args->output, "merged results JSON file")
      ->capture_default_str();
  merge->add_option("--csv", merge_args->csv, "also write the merged results as CSV");
  merge->add_flag("-q,--quiet", merge_args->quiet, "do not print the best configurations");
  merge->callback([merge_args] { run_merge(*merge_args); });
}

}  // namespace tiersplit::cli
