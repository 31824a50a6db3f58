// cmd_groups_real.cpp: `tiersplit groups worker` (one compute worker of a real groups run) and
// `tiersplit groups run` (P workers on this machine, their report), `tiersplit groups probe`
// (what a Gloo call costs between them).
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/torch_commands.hpp"
#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "common/subprocess.hpp"
#include "common/table.hpp"
#include "common/units.hpp"
#include "real_exec/groups/gloo_probe.hpp"
#include "real_exec/groups/group_run.hpp"
#include "real_exec/groups/group_worker.hpp"
#include "real_exec/groups/worker_group.hpp"

namespace tiersplit::cli {

namespace {

namespace rg = tiersplit::real_exec::groups;

void add_worker_command(CLI::App* groups) {
  struct Args {
    std::string spec, out, progress, checkpoints;
    bool resume = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = groups->add_subcommand(
      "worker",
      "One compute worker of a groups run; RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT (as "
      "torchrun sets them) or SLURM_PROCID, SLURM_NTASKS say who it is");
  cmd->add_option("--spec", a->spec, "The run spec (groups run writes it)")->required();
  cmd->add_option("--out", a->out, "Where to write this worker's record (JSON)")->required();
  cmd->add_option("--progress", a->progress,
                  "A file to write 'tasks-done tasks' to after each task");
  cmd->add_option("--checkpoints", a->checkpoints,
                  "A folder every worker sees: heads and records after every epoch");
  cmd->add_flag("--resume", a->resume,
                "Go on from --checkpoints: every task from the last epoch all its holders "
                "finished");
  cmd->callback([a] {
    rg::RunSpec spec = rg::run_spec_from_json(load_json_file(a->spec).raw(), a->spec);
    spec.token = bearer_token("");
    const rg::WorkerIdentity me = rg::identity_from_environment();
    std::unique_ptr<rg::WorkerGroup> group;
    const auto timeout =
        std::chrono::milliseconds(static_cast<int64_t>(spec.collective_timeout_s * 1e3));
    if (me.world > 1) group = std::make_unique<rg::WorkerGroup>(me, timeout);
    rg::WorkerHooks hooks;
    hooks.checkpoints = a->checkpoints;
    hooks.resume = a->resume;
    if (a->resume && a->checkpoints.empty()) fail("--resume needs --checkpoints");
    if (!a->progress.empty()) {
      hooks.task_done = [file = a->progress](int64_t done, int64_t tasks) {
        std::ofstream(file) << done << " " << tasks << "\n";
      };
    }
    nlohmann::json record = rg::run_worker(spec, me.rank, me.world, group.get(), hooks);
    write_json_file(a->out, record);
  });
}

void add_probe_commands(CLI::App* groups) {
  struct Args {
    int calls = 200;
    double timeout_s = 60;
    std::string out, bytes = "1MiB";
    int64_t large_bytes() const {
      const auto b = static_cast<int64_t>(parse_quantity(bytes, Dimension::kBytes));
      if (b < 64) fail("--bytes ", bytes, ": the large all-reduce needs at least 64B");
      return b;
    }
  };
  auto a = std::make_shared<Args>();
  CLI::App* worker = groups->add_subcommand(
      "probe-worker",
      "One worker of `groups probe` (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT as for groups "
      "worker)");
  worker->add_option("--calls", a->calls, "Calls timed")->capture_default_str();
  worker->add_option("--timeout", a->timeout_s, "Seconds any Gloo operation may take")
      ->capture_default_str();
  worker->add_option("--out", a->out, "Where to write the figures (JSON)");
  worker->add_option("--bytes", a->bytes, "Size of the large all-reduce (bandwidth)")
      ->capture_default_str();
  worker->callback([a] {
    const rg::WorkerIdentity me = rg::identity_from_environment();
    if (me.world < 2) fail("WORLD_SIZE ", me.world, ": probing Gloo takes at least 2 workers");
    rg::WorkerGroup group(me, std::chrono::milliseconds(static_cast<int64_t>(a->timeout_s * 1e3)));
    const nlohmann::json probe = rg::probe_collectives(group, a->calls, a->large_bytes());
    if (!a->out.empty()) write_json_file(a->out, probe);
  });
  auto launch = std::make_shared<rg::LaunchOptions>();
  auto report = std::make_shared<std::string>();
  CLI::App* probe = groups->add_subcommand(
      "probe",
      "Time Gloo calls between P workers (all-reduce and send/recv round trip of a few floats; "
      "all-reduce of --bytes for the bandwidth)");
  probe->add_option("--workers,-P", launch->workers, "Worker processes")->capture_default_str();
  probe->add_option("--testbed", launch->testbed_dir,
                    "Run them in the testbed's worker namespaces (its state folder)");
  probe->add_option("--calls", a->calls, "Calls timed")->capture_default_str();
  probe->add_option("--bytes", a->bytes, "Size of the large all-reduce (bandwidth)")
      ->capture_default_str();
  probe->add_option("--out-dir", launch->out_dir, "The workers' logs")->capture_default_str();
  probe->add_option("-o,--output", *report, "Write the figures there too (JSON)");
  launch->out_dir = "gloo-probe";
  probe->callback([a, launch, report] {
    const nlohmann::json out =
        rg::run_gloo_probe(*launch, a->calls, a->timeout_s, a->large_bytes());
    if (!report->empty()) write_json_file(*report, out);
    std::cout << out.dump(2) << "\n";
  });
}

void add_run_command(CLI::App* groups) {
  auto spec = std::make_shared<rg::RunSpec>();
  auto launch = std::make_shared<rg::LaunchOptions>();
  struct Args {
    std::string strategy = "gl", extraction = "shared", placement = "wrap-around", token_file,
                report;
    std::vector<std::string> configs{"linear:lr=0.5,e=2", "mlp-64:lr=0.05,e=2"};
    std::string scenario;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = groups->add_subcommand(
      "run",
      "Train one head per (group, configuration) for real on P workers (c10d Gloo) "
      "against a pushdown server; writes the run report");
  cmd->add_option("scenario", a->scenario,
                  "A groups scenario: model, freeze index, batch, configurations and workers "
                  "from it (options given here still win for workers)");
  cmd->add_option("--server", spec->server, "Pushdown server URL (tiersplit serve)")->required();
  cmd->add_option("--token-file", a->token_file, "Bearer token file (or TIERSPLIT_TOKEN)");
  cmd->add_option("--dataset", spec->dataset, "Dataset with groups in the server's store")
      ->required();
  cmd->add_option("--model", spec->model, "Zoo model (its blocks [0,f) are frozen)")
      ->capture_default_str();
  cmd->add_option("--weights", spec->weights, "Weights registered on the server, or random:SEED")
      ->capture_default_str();
  cmd->add_option("--weights-file", spec->weights_file,
                  "Pretrained weights (safetensors, tiersplit pretrain) the workers load; the "
                  "server has them registered under the file's stem (serve --weights FILE)");
  cmd->add_option("--split", spec->split, "Blocks [0,s) run on the server")->capture_default_str();
  cmd->add_option("--freeze", spec->freeze, "Freeze index f (-1: the model's)")
      ->capture_default_str();
  cmd->add_option("--storage-batch", spec->storage_batch, "Server-side batch")
      ->capture_default_str();
  cmd->add_option("--batch", spec->batch, "Training batch B (samples per update)")
      ->capture_default_str();
  cmd->add_option("--prefetch", spec->prefetch, "Pushdowns a worker runs ahead")
      ->capture_default_str();
  cmd->add_option("--strategy", a->strategy, "mtp, gtp, dp, sp or gl")->capture_default_str();
  cmd->add_option("--extraction", a->extraction, "per-config, shared or cached")
      ->capture_default_str();
  cmd->add_option("--placement", a->placement, "gl: wrap-around or balanced")
      ->capture_default_str();
  cmd->add_option("--cache", spec->cache,
                  "Cached extraction: features in the worker's memory, or on its disk")
      ->capture_default_str()
      ->check(CLI::IsMember({"memory", "disk"}));
  cmd->add_option("--cache-dir", spec->cache_dir,
                  "With --cache disk: a local folder (default: the temporary folder)");
  cmd->add_option("--config", a->configs,
                  "A configuration, e.g. linear:lr=0.5,wd=0,e=2 or mlp-64:lr=0.05,e=3 (repeatable)")
      ->capture_default_str();
  cmd->add_option("--seed", spec->seed, "Heads' initial weights")->capture_default_str();
  cmd->add_option("--workers,-P", launch->workers, "Worker processes on this machine")
      ->capture_default_str();
  cmd->add_option("--out-dir", launch->out_dir, "Spec, workers' logs and records")->required();
  cmd->add_option("--report,-o", a->report, "Run report (default OUT_DIR/report.json)");
  cmd->add_option("--collective-timeout", spec->collective_timeout_s,
                  "Seconds any Gloo operation or the rendezvous may take")
      ->capture_default_str();
  cmd->add_option("--retry-timeout", spec->retry_timeout_s,
                  "Seconds a pushdown is retried (503, server lost) before the worker gives up")
      ->capture_default_str();
  cmd->add_option("--timeout", launch->timeout_s, "Seconds the whole run may take")
      ->capture_default_str();
  cmd->add_option("--testbed", launch->testbed_dir,
                  "Run worker R in the testbed's namespace R (tiersplit testbed up --workers P; "
                  "its state folder, e.g. /tmp/tiersplit-testbed)");
  cmd->add_flag("--resume", launch->resume,
                "Go on from OUT_DIR's checkpoints (the same run, interrupted), and start the "
                "workers again from them when one fails");
  cmd->add_option("--restarts", launch->restarts,
                  "With --resume: how many times the workers are started again")
      ->capture_default_str();
  cmd->add_option("--evaluation", spec->evaluation,
                  "every-epoch, or end: every head once after training (the training makespan "
                  "is then training alone)")
      ->capture_default_str();
  cmd->callback([spec, launch, a, cmd] {
    if (!spec->weights_file.empty() && cmd->count("--weights") == 0)
      spec->weights = std::filesystem::path(spec->weights_file).stem().string();
    spec->strategy = rg::parse_strategy(a->strategy);
    spec->extraction = rg::parse_extraction(a->extraction);
    spec->placement = rg::parse_placement(a->placement);
    spec->configs.clear();
    for (const auto& c : a->configs) spec->configs.push_back(rg::parse_head_config(c));
    if (!a->scenario.empty()) {
      int workers = launch->workers;
      *spec = rg::run_spec_from_scenario(a->scenario, *spec, &workers);
      if (cmd->count("--workers") == 0) launch->workers = workers;
    }
    spec->token = bearer_token(a->token_file);
    nlohmann::json report = rg::run_local(*spec, *launch);
    const std::string file = a->report.empty() ? launch->out_dir + "/report.json" : a->report;
    write_json_file(file, report);
    const auto& checks = report.at("checks");
    std::cout << "groups run: training "
              << fmt("%.2f", report.at("training_makespan_s").get<double>()) << " s, whole run "
              << fmt("%.2f", report.at("makespan_s").get<double>()) << " s on " << launch->workers
              << " workers (" << a->strategy << ", " << a->extraction << "); report " << file
              << "\n";
    if (!checks.at("exactly_once").get<bool>())
      fail(
          "the workers' records do not use every sample exactly once per configuration and "
          "epoch (",
          checks.at("violations").size(), " violations, listed in ", file, ")");
  });
}

}  // namespace

void add_groups_real_commands(CLI::App& app) {
  CLI::App* groups = app.add_subcommand("groups", torch_command_description("groups"));
  groups->require_subcommand(1);
  add_worker_command(groups);
  add_run_command(groups);
  add_probe_commands(groups);
}

}  // namespace tiersplit::cli
