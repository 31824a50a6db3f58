// groups_commands.cpp: the groups side of simulate, sweep, merge and recommend.
#include "cli/groups_commands.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include "common/build_id.hpp"
#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "groups/engine/groups_runner.hpp"
#include "groups/recommend/groups_plot.hpp"
#include "groups/recommend/groups_search.hpp"
#include "groups/results.hpp"
#include "groups/study.hpp"

namespace tiersplit::cli {

namespace {

groups::GroupsResultsDocument results_document(const groups::GroupsStudy& st,
                                               std::vector<groups::GroupsResult> rows,
                                               const sim::Shard& shard) {
  groups::GroupsResultsDocument d;
  d.scenario = st.scenario.name;
  d.scenario_file = st.scenario.file;
  d.input_digest = st.input_digest;
  d.build = build_id();
  d.shard = shard;
  d.configurations = st.configs.size();
  d.sweep_points = st.points.size();
  d.results = std::move(rows);
  return d;
}

void print_best(const std::vector<groups::GroupsResult>& rows) {
  const auto best = groups::best_groups_per_point(rows);
  if (best.empty()) {
    std::cout << "no feasible configuration\n";
    return;
  }
  std::cout << "\nbest configuration per sweep point (shortest makespan):\n";
  groups::print_groups_table(std::cout, best);
}

void check_jobs(int jobs) {
  if (jobs < 0) fail("--jobs ", jobs, ": must be at least 1 (or 0 for all cores)");
}

}  // namespace

void run_groups_simulate(const GroupsRunArgs& a) {
  check_jobs(a.jobs);
  const sim::Shard shard = sim::parse_shard(a.shard);
  if (!a.trace.empty() && a.closed_form) fail("--trace needs the simulation (drop --closed-form)");
  groups::GroupsScenario sc = groups::load_groups_scenario(a.scenario);
  if (a.split) sc.search.splits = {*a.split};
  if (a.storage_batch) sc.search.storage_batches = {*a.storage_batch};
  sim::ProfileCache cache;
  const groups::GroupsStudy st = groups::prepare_groups_study(sc, cache);
  groups::check_feasible(st);
  const auto which = groups::groups_shard(st, shard);
  std::ostream& log = a.sweep ? std::cerr : std::cout;
  log << (a.sweep ? "sweep " : "scenario ") << sc.name << " (" << sc.file
      << "): groups workload, " << st.points.size() << " sweep point(s), " << st.configs.size()
      << " configuration(s)";
  if (shard.count > 1) log << ", shard " << a.shard << ": " << which.size();
  log << (a.closed_form ? ", closed form" : ", simulated") << "\n";
  sim::RunOptions opt;
  opt.jobs = a.jobs;
  opt.simulate = !a.closed_form;
  opt.label = a.sweep ? "sweep" : "simulate";
  opt.trace_file = a.trace;
  std::vector<groups::GroupsResult> rows = groups::run_groups(st, which, opt);
  if (!a.sweep) groups::print_groups_table(std::cout, rows);
  if (!a.output.empty()) {
    write_json_file(a.output, groups::to_json(results_document(st, rows, shard)));
    log << "wrote " << a.output << "\n";
  }
  if (!a.csv.empty()) {
    groups::write_groups_csv_file(a.csv, rows);
    log << "wrote " << a.csv << "\n";
  }
  if (!a.trace.empty())
    log << "wrote " << a.trace << " (configuration 0; open in https://ui.perfetto.dev)\n";
  if (!a.quiet && (a.sweep || st.configs.size() > 1)) print_best(rows);
}

void run_groups_merge(const std::vector<std::string>& inputs, const std::string& output,
                      const std::string& csv, bool quiet) {
  std::vector<groups::GroupsResultsDocument> shards;
  for (const auto& f : inputs) {
    if (!groups::is_groups_results(f))
      fail(f, ": not a groups results file; the shards of one sweep are all of one kind");
    shards.push_back(groups::read_groups_results(f));
  }
  const groups::GroupsResultsDocument merged = groups::merge_groups_results(shards, inputs);
  write_json_file(output, groups::to_json(merged));
  std::cerr << "merged " << shards.size() << " shard(s) of " << merged.scenario << ": "
            << merged.configurations << " configuration(s), " << merged.results.size()
            << " row(s)\nwrote " << output << "\n";
  if (!csv.empty()) {
    groups::write_groups_csv_file(csv, merged.results);
    std::cerr << "wrote " << csv << "\n";
  }
  if (!quiet) print_best(merged.results);
}

namespace {

/// A scratch file for the choice's trace when only the plot needs it.
struct ScratchTrace {
  std::string path;
  ScratchTrace() {
    const auto dir = std::filesystem::temp_directory_path();
    path = (dir / ("tiersplit-groups-trace-" + std::to_string(::getpid()) + ".json")).string();
  }
  ~ScratchTrace() { std::remove(path.c_str()); }
};

}  // namespace

void run_groups_recommend(const GroupsRecommendArgs& a) {
  check_jobs(a.jobs);
  if (!(a.tolerance_percent >= 0 && a.tolerance_percent <= 100))
    fail("--tolerance ", a.tolerance_percent, ": expected a percentage from 0 to 100");
  if (a.finalists < 1) fail("--confirm ", a.finalists, ": at least 1 configuration");
  const groups::GroupsScenario sc = groups::load_groups_scenario(a.scenario);
  sim::ProfileCache cache;
  const groups::GroupsStudy st = groups::prepare_groups_study(sc, cache);
  groups::check_feasible(st);
  std::cerr << "recommend " << sc.name << " (" << sc.file << "): groups workload, "
            << st.points.size() << " sweep point(s), " << st.configs.size()
            << " configuration(s) screened\n";
  groups::GroupsSearchOptions o;
  o.jobs = a.jobs;
  o.tolerance = a.tolerance_percent / 100;
  o.finalists = a.finalists;
  ScratchTrace scratch;
  o.trace_file = !a.trace.empty() ? a.trace : (!a.plot.empty() ? scratch.path : "");
  const groups::GroupsRecommendation rec = groups::recommend_groups(st, o);
  write_json_file(a.output, groups::to_json(rec));
  if (!a.quiet) groups::print_groups_summary(std::cout, rec);
  std::cout << "wrote " << a.output << "\n";
  if (!a.trace.empty()) std::cout << "wrote " << a.trace << " (the choice at point 0)\n";
  if (!a.plot.empty()) {
    groups::write_groups_plot(rec, o.trace_file, a.plot);
    std::cout << "wrote " << a.plot << "\n";
  }
}

}  // namespace tiersplit::cli
