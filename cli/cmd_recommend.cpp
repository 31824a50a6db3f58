// cmd_recommend.cpp: `tiersplit recommend`: per tenant the split, storage batch and prefetch depth
// to use, with baselines.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/groups_commands.hpp"
#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "groups/scenario.hpp"
#include "optimizer/plot.hpp"
#include "optimizer/recommendation.hpp"
#include "optimizer/search.hpp"
#include "sim/scenario.hpp"

namespace tiersplit::cli {
namespace {

struct RecommendArgs {
  std::string scenario;
  std::string output = "recommendation.json";
  std::string plot;
  optimizer::RecommendOptions options;
  double tolerance_percent = 5.0;
  std::string goal = "total";
  bool quiet = false;
  bool thorough = false;
  std::string trace;
  std::size_t confirm_groups = 6;
};

/// A groups scenario: the options that only tenants have are refused, the rest handed over.
void run_recommend_groups(const RecommendArgs& a, const CLI::App& cmd) {
  for (const char* tenants_only : {"--objective", "--joint", "--prefetch", "--respect-fixed",
                                   "--shortlist", "--neighbours", "--descent-rounds",
                                   "--rank-iterations", "--thorough"}) {
    if (cmd.count(tenants_only) > 0)
      fail(tenants_only, ": applies to tenant scenarios; ", a.scenario,
           " is a groups workload (docs/groups.md)");
  }
  GroupsRecommendArgs g;
  g.scenario = a.scenario;
  g.output = a.output;
  g.plot = a.plot;
  g.trace = a.trace;
  g.tolerance_percent = a.tolerance_percent;
  g.jobs = a.options.jobs;
  g.finalists = cmd.count("--confirm") > 0 ? a.options.confirm : a.confirm_groups;
  g.quiet = a.quiet;
  run_groups_recommend(g);
}

void run_recommend(RecommendArgs& a) {
  if (a.options.jobs < 0)
    fail("--jobs ", a.options.jobs, ": must be at least 1 (or 0 for all cores)");
  if (!(a.tolerance_percent >= 0 && a.tolerance_percent <= 100)) {
    fail("--tolerance ", a.tolerance_percent, ": expected a percentage from 0 to 100");
  }
  for (int64_t d : a.options.prefetch_depths) {
    if (d < 0) fail("--prefetch ", d, ": prefetch depths must be at least 0");
  }
  a.options.tolerance = a.tolerance_percent / 100.0;
  if (a.goal == "total") {
    a.options.goal = optimizer::JointGoal::kTotalJobTime;
  } else if (a.goal == "makespan") {
    a.options.goal = optimizer::JointGoal::kMakespan;
  } else {
    fail("--joint '", a.goal, "': expected total (sum of job times) or makespan");
  }
  if (a.thorough) a.options = optimizer::thorough(a.options);
  sim::Scenario sc =
      a.scenario.empty() ? sim::embedded_quickstart() : sim::load_scenario(a.scenario);
  sim::ProfileCache cache;
  std::cerr << "recommend " << sc.name << " (" << sc.file << ")\n";
  optimizer::Recommendation rec = optimizer::recommend(sc, cache, a.options);
  write_json_file(a.output, optimizer::to_json(rec));
  if (!a.quiet) optimizer::print_summary(std::cout, rec);
  std::cout << "wrote " << a.output << "\n";
  if (!a.plot.empty()) {
    for (std::size_t i = 0; i < rec.points.size(); ++i) {
      std::string file = optimizer::plot_file_for_point(a.plot, i);
      optimizer::write_plot(rec, i, file);
      std::cout << "wrote " << file << "\n";
    }
  }
}

}  // namespace

void add_recommend_command(CLI::App& app) {
  auto args = std::make_shared<RecommendArgs>();
  CLI::App* cmd = app.add_subcommand(
      "recommend",
      "Recommend each tenant's split point, storage batch and prefetch depth (closed-form screen, "
      "simulated "
      "confirm), with baselines, runner-ups and sensitivity (default: the built-in quickstart)");
  cmd->add_option("scenario", args->scenario, "scenario file (docs/scenario-format.md)");
  cmd->add_option("-o,--output", args->output,
                  "recommendation JSON (docs/recommendation-format.md)")
      ->capture_default_str();
  cmd->add_option(
      "--plot", args->plot,
      "draw predicted iteration time against split per storage batch into this PNG (gnuplot)");
  cmd->add_option("--objective", args->options.objective,
                  "time: shortest predicted time (see --joint); storage: least storage-side busy "
                  "time, network: fewest bytes, "
                  "both within --tolerance of the shortest")
      ->capture_default_str();
  cmd->add_option("--tolerance", args->tolerance_percent,
                  "percent: objective slack, runner-ups and sensitivity ranges")
      ->capture_default_str();
  cmd->add_option(
         "--joint", args->goal,
         "with several tenants, minimise first the sum of job times (total) or the makespan")
      ->capture_default_str();
  cmd->add_option("--prefetch", args->options.prefetch_depths,
                  "prefetch depths to try (default: 1 2 4 and the scenario's)");
  cmd->add_flag(
      "--respect-fixed", args->options.respect_fixed,
      "keep tenants' fixed split / storage batch from the scenario (default: search every tenant)");
  cmd->add_option("--shortlist", args->options.shortlist, "splits per tenant in the joint search")
      ->capture_default_str();
  cmd->add_option("--confirm", args->options.confirm,
                  "best screened configurations simulated per point")
      ->capture_default_str();
  cmd->add_option("--neighbours", args->options.neighbours,
                  "one-change neighbours of the best screened configuration simulated per point "
                  "and round (best by closed form; 0: all)")
      ->capture_default_str();
  cmd->add_option("--descent-rounds", args->options.simulation_rounds,
                  "rounds of coordinate descent judged by simulation where the joint space is too "
                  "large to screen whole")
      ->capture_default_str();
  cmd->add_option("--rank-iterations", args->options.rank_iterations,
                  "where simulating a configuration is long, rank candidates by simulations that "
                  "measure this many iterations per tenant (0: always the scenario's)")
      ->capture_default_str();
  cmd->add_flag("--thorough", args->thorough,
                "search long points (many tenants) like the others, every candidate simulated in "
                "full (slower)");
  cmd->add_option("-j,--jobs", args->options.jobs, "simulation worker processes (0: one per core)")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", args->quiet, "do not print the summary");
  cmd->add_option("--trace", args->trace,
                  "groups scenarios: write the choice's per-worker timeline as Chrome trace events");
  cmd->callback([args, cmd] {
    args->options.progress = true;
    if (!args->scenario.empty() && groups::is_groups_scenario(args->scenario)) {
      run_recommend_groups(*args, *cmd);
      return;
    }
    if (!args->trace.empty()) fail("--trace: applies to groups scenarios (docs/groups.md)");
    run_recommend(*args);
  });
}

}  // namespace tiersplit::cli
