// cmd_validate.cpp: `calibrate` (measure the deployed tiers into a platform) and `validate`
// (predict, choose, run for real, compare). `calibrate-link` is their helper on the compute tier.
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/torch_commands.hpp"
#include "common/error.hpp"
#include "common/heap.hpp"
#include "common/json_reader.hpp"
#include "common/strings.hpp"
#include "common/table.hpp"
#include "common/units.hpp"
#include "groups/scenario.hpp"
#include "real_exec/calibrate.hpp"
#include "real_exec/groups/groups_validation.hpp"
#include "real_exec/link_calibration.hpp"
#include "real_exec/testbed_hosts.hpp"
#include "real_exec/validation.hpp"
#include "real_exec/validation_report.hpp"
#include "real_exec/validation_table.hpp"
#include "sim/scenario.hpp"

namespace tiersplit::cli {

namespace {

namespace rx = tiersplit::real_exec;
namespace rg = tiersplit::real_exec::groups;

std::string pct(double v) {
  return fmt("%.1f%%", 100 * v);
}
std::string ms(double v) {
  return fmt("%.1f ms", 1e3 * v);
}

void add_calibrate_command(CLI::App& app) {
  auto o = std::make_shared<rx::CalibrateOptions>();
  auto batches = std::make_shared<std::string>();
  auto testbed = std::make_shared<bool>(true);
  auto keep = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("calibrate", torch_command_description("calibrate"));
  cmd->add_flag("--testbed", *testbed,
                "Calibrate the testbed (`tiersplit testbed`: one machine, or two hosts brought up "
                "with `testbed up --mode hosts` and used with --use-running-testbed)");
  cmd->add_option("--model,-m", o->models, "Zoo model to profile on both tiers (repeatable)")
      ->capture_default_str();
  cmd->add_option("--resolution", o->resolution, "Input side [px]")->capture_default_str();
  cmd->add_option("--batch,-B", o->batch, "Training batch B")->capture_default_str();
  cmd->add_option("--storage-batches", *batches, "Storage batches to profile (default 1,2,4,..,B)");
  cmd->add_option("--bandwidth", o->testbed.bandwidth, "Link bandwidth")->capture_default_str();
  cmd->add_option("--delay", o->testbed.delay, "One-way link delay")->capture_default_str();
  cmd->add_option("--mode", o->testbed.mode, "Testbed: auto, netns or pacer")
      ->capture_default_str();
  cmd->add_option("--threads", o->testbed.threads, "LibTorch threads per tier")
      ->capture_default_str();
  cmd->add_option("--testbed-dir", o->testbed.state_dir, "Testbed state folder")
      ->capture_default_str();
  cmd->add_flag(
      "--use-running-testbed", [o](int64_t) { o->bring_up_testbed = false; },
      "Use the testbed that is up (its bandwidth, delay, threads) instead of bringing one up");
  cmd->add_flag("--keep-testbed", *keep, "Leave the testbed up afterwards");
  cmd->add_option("--store", o->store, "Object store URL")->capture_default_str();
  cmd->add_option("--dataset", o->dataset, "Data set name (default fashion-mnist-r<R>-o<B>)");
  cmd->add_option("--port", o->port, "Port of the calibration server")->capture_default_str();
  cmd->add_flag("--allow-busy", o->allow_busy, "Measure even when the tiers' cores are busy");
  cmd->add_option("-o,--output", o->dir, "Output folder (calibration.json, profiles, logs)")
      ->capture_default_str();
  cmd->callback([o, batches, testbed, keep] {
    if (!*testbed) fail("calibrate: only a testbed (--testbed) is supported so far");
    if (!batches->empty()) o->storage_batches = parse_int_list(*batches, "--storage-batches");
    nlohmann::json c;
    {
      struct Down {
        bool active;
        std::string dir;
        ~Down() {
          if (active) {
            try {
              rx::testbed_down(dir);
            } catch (...) {
            }
          }
        }
      } down{o->bring_up_testbed && !*keep, o->testbed.state_dir};
      install_child_cleanup_on_signals();
      c = rx::calibrate(*o);
    }
    const auto& pf = c["platform"];
    const auto& fit = c["measured"]["link"]["fit"];
    std::cout << "calibration written to " << o->dir << "/calibration.json\n"
              << "  link " << c["testbed"]["link"].get<std::string>() << ": fixed cost "
              << ms(fit["fixed_s"].get<double>()) << " per transfer, "
              << format_bandwidth(fit["bandwidth_bytes_per_s"].get<double>())
              << " effective -> latency_factor "
              << fmt("%.2f", pf["network"]["model"]["latency_factor"].get<double>())
              << ", bandwidth_factor "
              << fmt("%.3f", pf["network"]["model"]["bandwidth_factor"].get<double>()) << ", burst "
              << pf["network"].value("burst", std::string("none")) << "\n"
              << "  server: request_overhead "
              << pf["storage"]["request_overhead"].get<std::string>() << ", decode_time_per_sample "
              << pf["storage"]["decode_time_per_sample"].get<std::string>()
              << "; compute decode_time_per_sample "
              << pf["compute"]["decode_time_per_sample"].get<std::string>() << "\n";
    for (const auto& p : c["profiles"]) {
      std::cout << "  profiles " << p["model"].get<std::string>() << ": "
                << p["storage"].get<std::string>() << " (storage), "
                << p["compute"].get<std::string>() << " (compute)\n";
    }
  });
}

void add_calibrate_link_command(CLI::App& app) {
  auto o = std::make_shared<rx::LinkCalibrationOptions>();
  auto bandwidth = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("calibrate-link", torch_command_description("calibrate-link"));
  cmd->group("");  // hidden from --help: an internal step
  cmd->add_option("--server", o->server, "Pushdown server URL")->required();
  cmd->add_option("--bandwidth", *bandwidth, "Nominal link bandwidth (sizes the probes)");
  cmd->add_option("--dataset", o->dataset, "Data set name")->capture_default_str();
  cmd->add_option("--model", o->model, "Model for the server-overhead requests")
      ->capture_default_str();
  cmd->add_option("--resolution", o->resolution, "Input side [px]")->capture_default_str();
  cmd->add_option("--batch", o->batch, "Samples per request")->capture_default_str();
  cmd->add_option("--classes", o->num_classes, "Classifier width")->capture_default_str();
  cmd->add_option("--repeats", o->repeats, "Probes per size")->capture_default_str();
  cmd->add_option("--idle-probe-pause", o->idle_probe_pause_s,
                  "Idle this long before each after-idle link probe [s] (0: none)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--part", o->part,
                  "link, server, storage-blocks, server-load, compute-steps, speed or all")
      ->capture_default_str();
  auto sb = std::make_shared<std::string>();
  cmd->add_option("--storage-batches", *sb, "Storage batches (storage-blocks)");
  cmd->add_option("--step-repeats", o->step_repeats, "Timed steps per split (compute-steps)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--heap-reserve", o->heap_reserve_mib,
                  "Heap faulted in before the first step [MiB] (0: none; compute-steps)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, tiersplit::kMaxHeapReserveMiB));
  cmd->add_option("--pause", o->pause_s,
                  "Idle this long before each timed step or request [s] (compute-steps, "
                  "storage-blocks)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--min-duration", o->min_duration_s,
                  "Keep the storage tier at work at least this long [s] (storage-blocks)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--server-repeats", o->server_repeats,
                  "Requests per kind (server), per stream at least (server-load)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--streams", o->load_streams, "Concurrent pushdown streams (server-load)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--duration", o->load_duration_s, "Send pushdowns this long [s] (server-load)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-o,--output", *output, "Output JSON")->required();
  cmd->callback([o, bandwidth, output, sb] {
    if (!bandwidth->empty())
      o->nominal_bandwidth = parse_quantity(*bandwidth, Dimension::kBandwidth);
    if (!sb->empty()) o->storage_batches = parse_int_list(*sb, "--storage-batches");
    write_json_file(*output, rx::measure_link_and_server(*o));
  });
}

/// validate's view of a scenario, checked by the simulator's own parser first.
rx::ValidationOptions validation_from_scenario(const std::string& file) {
  sim::Scenario sc = sim::load_scenario(file);
  rx::ValidationOptions v;
  v.scenario_file = file;
  const JsonView root = load_json_file(file);
  v.scenario = root.raw();
  const auto& sw = sc.sweep;
  if (!sw.latency_s.empty() || !sw.storage_nodes.empty() || !sw.compute_nodes.empty() ||
      !sw.tenant_count.empty() || !sw.training_batch.empty() || !sw.prefetch_depth.empty()) {
    fail(file,
         ": /sweep: validate sweeps only \"bandwidth\" (one testbed link per value); remove the "
         "other axes");
  }
  v.bandwidths =
      sw.bandwidth.empty() ? std::vector<double>{sc.platform.network.bandwidth} : sw.bandwidth;
  v.latency_s = sc.platform.network.latency_s;
  if (sc.platform.storage.nodes != 1 || sc.platform.compute.nodes != 1) {
    fail(file, ": /platform: a testbed has one storage and one compute node");
  }
  if (auto tb = root.find("testbed")) {  // real hosts: their own link, not shaped
    v.mode = "hosts";
    v.hosts = rx::testbed_hosts_from_json(*tb);
    if (!sw.bandwidth.empty()) {
      fail(file,
           ": /sweep/bandwidth: the link between the hosts of /testbed is not shaped, so there "
           "is one point, at /platform/network/bandwidth (the link's nominal bandwidth); remove "
           "the sweep");
    }
  }
  for (const auto& t : sc.tenants) {
    rx::ValidationTenant vt;
    vt.name = t.name;
    vt.model = t.model;
    vt.resolution = t.resolution;
    vt.batch = t.batch_size;
    vt.freeze = t.freeze_index;
    vt.json_path = t.json_path;
    v.tenants.push_back(vt);
  }
  v.splits = sc.search.splits;
  v.storage_batches = sc.search.storage_batches;
  return v;
}

void print_summary(const nlohmann::json& r) {
  TextTable table({"point", "tenant", "configs", "choice s/b", "measured best s/b",
                   "choice vs best", "median |err|", "max |err|", "worst stage", "rank corr",
                   "vs s=0", "vs s=f"});
  for (const auto& p : r["points"]) {
    for (const auto& t : p["tenants"]) {
      const auto& s = t["summary"];
      auto sb = [](const nlohmann::json& c) {
        return std::to_string(c["split"].get<int64_t>()) + "/" +
               std::to_string(c["storage_batch"].get<int64_t>());
      };
      table.add({p["bandwidth"].get<std::string>(), t["name"].get<std::string>(),
                 std::to_string(s["configurations"].get<int64_t>()), sb(s["choice"]),
                 sb(s["measured_best"]), fmt("%.3f", s["choice_vs_measured_best"].get<double>()),
                 pct(s["median_abs_error"].get<double>()), pct(s["max_abs_error"].get<double>()),
                 s["worst"]["stage"].get<std::string>() +
                     " (s=" + std::to_string(s["worst"]["split"].get<int64_t>()) + ")",
                 fmt("%.2f", s["rank_correlation"].get<double>()),
                 s.contains("speedup_vs_no_pushdown")
                     ? fmt("%.2fx", s["speedup_vs_no_pushdown"].get<double>())
                     : "-",
                 s.contains("speedup_vs_all_frozen")
                     ? fmt("%.2fx", s["speedup_vs_all_frozen"].get<double>())
                     : "-"});
    }
  }
  const auto& s = r["summary"];
  if (s["configurations"].get<int64_t>() > 0) {  // --together-only has no per-split runs
    table.print(std::cout);
    std::cout << "iteration time error over " << s["configurations"] << " configurations: median "
              << pct(s.value("median_abs_error", 0.0)) << ", mean "
              << pct(s.value("mean_abs_error", 0.0)) << ", max "
              << pct(s.value("max_abs_error", 0.0)) << "\n"
              << "choice measured best or within 5%: " << s["choice_within_tolerance"] << " of "
              << s["cases"] << " cases\n";
  }
  for (const auto& p : r["points"]) {
    if (!p.contains("multi_tenant")) continue;
    const auto& m = p["multi_tenant"];
    std::cout << p["bandwidth"].get<std::string>() << ", all tenants at once: makespan measured "
              << fmt("%.2f s", m["measured_makespan_s"].get<double>()) << ", predicted "
              << fmt("%.2f s", m["predicted_makespan_s"].get<double>()) << " ("
              << fmt("%+.1f%%", 100 * m["makespan_error"].get<double>()) << ")\n";
  }
}

void print_groups_summary(const nlohmann::json& r) {
  TextTable table({"point", "run", "predicted", "measured", "error", "bytes", "exactly once"});
  for (const auto& p : r["points"]) {
    for (const auto& run : p["runs"]) {
      std::string label = run["label"];
      if (label == p["choice"]) label += " (choice)";
      table.add({p["bandwidth"].get<std::string>(), label,
                 fmt("%.2f s", run["predicted_s"].get<double>()),
                 fmt("%.2f s", run["measured_s"].get<double>()),
                 fmt("%+.1f%%", 100 * run["error"].get<double>()),
                 format_bytes(run["storage_bytes"].get<double>()),
                 run["exactly_once"].get<bool>() ? "yes" : "NO"});
    }
  }
  table.print(std::cout);
  const auto& s = r["summary"];
  std::cout << "makespan error over " << s["runs"] << " runs: median "
            << pct(s["median_abs_error"].get<double>()) << ", max "
            << pct(s["max_abs_error"].get<double>());
  if (s.contains("at_run_speed"))
    std::cout << "; at each run's pushdown speed: median "
              << pct(s["at_run_speed"]["median_abs_error"].get<double>()) << ", max "
              << pct(s["at_run_speed"]["max_abs_error"].get<double>());
  std::cout << "\nchoice measured best or within " << pct(s["tolerance"].get<double>()) << ": "
            << s["choice_within_tolerance"] << " of " << s["cases"] << " points\n";
  for (const auto& p : r["points"]) {
    std::cout << p["bandwidth"].get<std::string>() << ": choice " << p["choice"].get<std::string>()
              << ", measured speed-ups";
    for (const auto& [k, v] : p["summary"]["measured_speedup"].items())
      std::cout << " " << k << " " << fmt("%.2fx", v.get<double>());
    std::cout << "; accuracy spread across strategies "
              << fmt("%.3f", p["summary"]["accuracy"]["max_spread"].get<double>()) << "\n";
  }
}

void add_validate_command(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  auto o = std::make_shared<rx::ValidationOptions>();
  auto no_multi = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("validate", torch_command_description("validate"));
  cmd->add_option("scenario", *file, "Scenario file (docs/scenario-format.md)")->required();
  cmd->add_option("-o,--output", o->output, "Report JSON (docs/validation.md)")
      ->capture_default_str();
  cmd->add_option("--plot", o->plot,
                  "Predicted and measured iteration time per split into this PNG");
  cmd->add_option("--state-dir", o->state_dir,
                  "Calibrations, runs and logs; an interrupted validation resumes from here "
                  "(default: OUTPUT.d)");
  cmd->add_option("--store", o->store, "Object store URL")->capture_default_str();
  cmd->add_option("--dataset", o->dataset, "Data set name (default fashion-mnist-r<R>-o<B>)");
  cmd->add_option("--iterations", o->iterations, "Measured iterations per run")
      ->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "Iterations run before measuring")->capture_default_str();
  cmd->add_option("--repeats", o->repeats,
                  "Runs of every configuration, in rounds over all of them (a drift of the "
                  "machine's speed then touches each alike); the choice is judged on their means")
      ->capture_default_str();
  cmd->add_option(
         "--max-configs", o->max_configs,
         "Real runs per tenant and bandwidth: the choice, runner-ups and baselines always, "
         "then evenly spaced splits up to this many")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "LibTorch threads per tier")->capture_default_str();
  cmd->add_option("--mode", o->mode,
                  "Testbed: auto, netns or pacer (a scenario's /testbed: its real hosts)")
      ->capture_default_str();
  cmd->add_option("--testbed-dir", o->testbed_dir, "Testbed state folder")->capture_default_str();
  cmd->add_option("--port", o->port, "Port of the validation server")->capture_default_str();
  cmd->add_flag("--no-multi-tenant", *no_multi, "Skip the run with all tenants at once");
  cmd->add_flag("--together-only", o->together_only,
                "Only the run with all tenants at once (no per-split runs)");
  cmd->add_option("--max-run-seconds", o->max_run_seconds,
                  "Evenly spaced extra splits run only if predicted to take at most this long [s]")
      ->capture_default_str();
  cmd->add_flag("--allow-busy", o->allow_busy, "Measure even when the tiers' cores are busy");
  auto no_probes = std::make_shared<bool>(false);
  cmd->add_flag("--no-speed-probes", *no_probes,
                "Skip the machine-speed probes around every run (and the wait for a calm machine)");
  cmd->add_option("--calm-tolerance", o->calm_tolerance,
                  "A run starts once the speed probe is at most this much slower than at "
                  "calibration (0.05: 5 %) ...")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 10.0));
  cmd->add_option("--calm-wait", o->calm_wait_s, "... or after waiting this long for it [s]")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--remeasure-unsettled", o->remeasure_unsettled,
                  "Measure a run again (at most this many times) when the probes around it show "
                  "the machine slower than at calibration beyond the calm tolerance")
      ->capture_default_str()
      ->check(CLI::Range(0, 10));
  auto service_s = std::make_shared<double>(rg::GroupsValidationOptions().service_s);
  cmd->add_option("--service-seconds", *service_s,
                  "Groups scenarios: how long the storage tier is timed under a run's load at "
                  "calibration [s]")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 3600.0));
  auto workers = std::make_shared<int>(0);
  cmd->add_option("--workers", *workers,
                  "Groups scenarios: workers P (default: the scenario's compute nodes)");
  cmd->callback([cmd, file, o, no_multi, no_probes, workers, service_s] {
    if (tiersplit::groups::is_groups_scenario(*file)) {
      for (const char* split_only : {"--plot", "--iterations", "--warmup", "--max-configs",
                                     "--no-multi-tenant", "--together-only", "--max-run-seconds"}) {
        if (cmd->count(split_only) > 0)
          fail(split_only, " applies to split scenarios; ", *file,
               " is a groups scenario (its runs train every head to the end)");
      }
      rg::GroupsValidationOptions g;
      g.scenario_file = *file;
      g.workers = *workers;
      g.output = o->output;
      g.state_dir = o->state_dir;
      g.store = o->store;
      g.dataset = o->dataset;
      g.threads = o->threads;
      g.mode = o->mode;
      g.testbed_dir = o->testbed_dir;
      if (o->port != rx::ValidationOptions().port) g.port = o->port;
      g.allow_busy = o->allow_busy;
      g.speed_probes = !*no_probes;
      g.calm_tolerance = o->calm_tolerance;
      g.calm_wait_s = o->calm_wait_s;
      g.service_s = *service_s;
      g.remeasure_unsettled = o->remeasure_unsettled;
      g.repeats = o->repeats;
      if (g.repeats < 1) fail("--repeats ", g.repeats, " must be at least 1");
      print_groups_summary(rg::run_groups_validation(g));
      std::cerr << "wrote " << g.output << "\n";
      return;
    }
    for (const char* groups_only : {"--workers", "--service-seconds"}) {
      if (cmd->count(groups_only) > 0)
        fail(groups_only, " applies to groups scenarios; ", *file,
             " has tenants (a split scenario)");
    }
    rx::ValidationOptions v = validation_from_scenario(*file);
    v.output = o->output;
    v.plot = o->plot;
    v.state_dir = o->state_dir;
    v.store = o->store;
    v.dataset = o->dataset;
    v.iterations = o->iterations;
    v.warmup = o->warmup;
    v.repeats = o->repeats;
    v.max_configs = o->max_configs;
    v.threads = o->threads;
    if (v.mode == "hosts" && o->mode != "auto")
      fail(*file, ": /testbed names real hosts; --mode ", o->mode, " does not apply to them");
    if (v.mode != "hosts") v.mode = o->mode;
    v.testbed_dir = o->testbed_dir;
    v.port = o->port;
    v.multi_tenant = !*no_multi;
    v.allow_busy = o->allow_busy;
    v.together_only = o->together_only;
    v.max_run_seconds = o->max_run_seconds;
    v.speed_probes = !*no_probes;
    v.calm_tolerance = o->calm_tolerance;
    v.calm_wait_s = o->calm_wait_s;
    v.remeasure_unsettled = o->remeasure_unsettled;
    nlohmann::json report = rx::run_validation(v);
    print_summary(report);
    std::cerr << "wrote " << v.output << (v.plot.empty() ? "" : " and " + v.plot) << "\n";
  });
}

/// One Markdown table over several validation reports (the campaign's summary).
void add_validation_table_command(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd =
      app.add_subcommand("validation-table", torch_command_description("validation-table"));
  cmd->add_option("reports", *files, "Validation report files")->required();
  cmd->callback([files] {
    const bool groups =
        load_json_file(files->front()).raw().value("format", "") == "tiersplit-groups-validation";
    std::cout << (groups ? rg::groups_validation_table(*files) : rx::validation_table(*files));
  });
}

}  // namespace

void add_validate_commands(CLI::App& app) {
  add_validation_table_command(app);
  add_calibrate_command(app);
  add_calibrate_link_command(app);
  add_validate_command(app);
}

}  // namespace tiersplit::cli
