// groups_validation.cpp: the groups validate loop — testbed with P workers, calibration, Gloo
// probe, data with groups, prediction (recommend, simulate in their own processes), real runs
// (resumable), comparison (see groups_validation.hpp).
#include "real_exec/groups/groups_validation.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "common/subprocess.hpp"
#include "common/table.hpp"
#include "common/units.hpp"
#include "groups/scenario.hpp"
#include "real_exec/calibrate.hpp"
#include "real_exec/calibration_file.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/groups/group_dataset.hpp"
#include "real_exec/groups/group_run.hpp"
#include "real_exec/groups/groups_validation_setup.hpp"
#include "real_exec/groups/storage_service.hpp"
#include "real_exec/set_aside.hpp"
#include "real_exec/speed_probe.hpp"
#include "real_exec/testbed.hpp"
#include "real_exec/tier_jobs.hpp"
#include "real_exec/validation.hpp"

namespace tiersplit::real_exec::groups {

namespace fs = std::filesystem;

namespace {

std::string run_label(const nlohmann::json& choice) {
  std::string label =
      choice.at("strategy").get<std::string>() + "/" + choice.at("extraction").get<std::string>();
  if (choice.at("strategy") == "gl") label += "/" + choice.value("placement", "wrap-around");
  return label;
}

std::string file_label(std::string label) {
  std::replace(label.begin(), label.end(), '/', '-');
  return label;
}

class PointValidation {
 public:
  PointValidation(const GroupsValidationSetup& s, std::size_t index,
                  const std::vector<DatasetGroup>& groups)
      : s_(s), index_(index), groups_(groups), label_(bandwidth_label(s.o.bandwidths[index])) {
    dir_ = (fs::path(s.o.state_dir) / ("point-" + std::to_string(index) + "-" + label_)).string();
    fs::create_directories(dir_);
    where_ = "[" + std::to_string(index + 1) + "/" + std::to_string(s.o.bandwidths.size()) + " " +
             label_ + "] ";
  }

  nlohmann::json run() {
    bring_up_testbed();
    calibrate_point();
    probe_gloo();
    // One pushdown per slot, as the simulator's storage node runs them: the storage tier's
    // cores over its threads.
    const auto& storage = calibration_.at("platform").at("storage");
    const int slots = std::max(1, storage.value("cores", 1) / storage.value("pushdown_threads", 1));
    server_ = start_tier_server(s_.o.testbed_dir, s_.o.store, s_.o.port, s_.o.threads,
                                (fs::path(dir_) / "server.log").string(), slots);
    measure_service();
    const nlohmann::json rec = recommend();
    const nlohmann::json runs = run_all(plan_runs(rec));
    server_.process.stop();
    const auto& choice = rec.at("points").at(0).at("choice");
    nlohmann::json point = {{"point", index_},
                            {"bandwidth", label_},
                            {"bandwidth_bytes_per_s", s_.o.bandwidths[index_]},
                            {"latency_s", s_.o.latency_s},
                            {"workers", s_.workers},
                            {"configurations", s_.sc.workload.configs.size()},
                            {"calibration", calibration_file()},
                            {"gloo", gloo_},
                            {"storage_service", {{"measured", service_}, {"applied", applied_}}},
                            {"testbed", calibration_.at("testbed")},
                            {"choice", run_label(choice.at("choice"))},
                            {"bottleneck", choice.value("bottleneck", "")},
                            {"runs", runs}};
    point["summary"] = summarise_groups_point(runs, point["choice"], s_.o.tolerance);
    point["summary"]["bottleneck"] = point["bottleneck"];
    return point;
  }

 private:
  std::string calibration_file() const { return (fs::path(dir_) / "calibration.json").string(); }

  void bring_up_testbed() {
    TestbedOptions tb;
    tb.bandwidth = label_;
    tb.delay = fmt("%gus", s_.o.latency_s * 1e6);
    tb.mode = s_.o.mode;
    tb.threads = s_.o.threads;
    tb.state_dir = s_.o.testbed_dir;
    tb.workers = s_.workers;
    tb.worker_bandwidth = s_.o.worker_bandwidth;
    const nlohmann::json st = testbed_up(tb);
    validate_say(where_ + "testbed: " + st.value("link", std::string()));
  }

  void calibrate_point() {
    const std::string file = calibration_file();
    if (fs::exists(file)) {
      validate_say(where_ + "reusing " + file);
      calibration_ = read_calibration(file);
      return;
    }
    validate_say(where_ + "calibrating (profiles per tier, the store's path, server overheads)");
    CalibrateOptions c;
    c.bring_up_testbed = false;
    c.testbed.state_dir = s_.o.testbed_dir;
    c.store = s_.o.store;
    c.per_object = s_.o.per_object;
    c.models = {s_.sc.workload.model};
    c.resolution = s_.sc.workload.resolution;
    c.batch = s_.sc.workload.batch_size;
    c.storage_batches = calibration_batches(s_.storage_batches);
    c.dir = dir_;
    c.allow_busy = s_.o.allow_busy;
    const fs::path shared = fs::path(s_.o.state_dir) / "profiles";
    sync_profiles(shared, fs::path(dir_) / "profiles");
    calibration_ = calibrate(c);
    sync_profiles(fs::path(dir_) / "profiles", shared);
  }

  /// The server serving as many streams as the workers keep in flight (workers x prefetch), over
  /// the point's link: what the predictions' storage side is scaled to (storage_service.hpp).
  void measure_service() {
    const std::string file = (fs::path(dir_) / "storage-service.json").string();
    const StorageServiceProbe probe = service_probe(s_.o.service_s);
    if (!fs::exists(file))
      validate_say(where_ + "timing the server under " + std::to_string(probe.streams) +
                   fmt(" concurrent streams for %g s", s_.o.service_s));
    service_ = measure_storage_service(probe, file);
    calibrated_scenario();  // applied_: what the predictions use
  }

  StorageServiceProbe service_probe(double duration_s) const {
    StorageServiceProbe p;
    p.state_dir = s_.o.testbed_dir;
    p.server_url = server_.url;
    p.calibration = calibration_;
    p.storage_batch = s_.storage_batches.front();
    p.streams = s_.workers * static_cast<int>(std::max<int64_t>(1, s_.o.prefetch));
    p.duration_s = duration_s;
    return p;
  }

  /// Gloo between the workers, split as the simulator takes it: a latency per message (half a
  /// send/recv round trip, but no more than an all-reduce allows), the rest of a small
  /// all-reduce's time as its per-call overhead, and the bandwidth a large all-reduce gets.
  void probe_gloo() {
    const std::string file = (fs::path(dir_) / "gloo.json").string();
    if (fs::exists(file)) {
      gloo_ = load_json_file(file).raw();
      return;
    }
    validate_say(where_ + "timing Gloo calls between " + std::to_string(s_.workers) + " workers");
    LaunchOptions lo;
    lo.workers = s_.workers;
    lo.out_dir = (fs::path(dir_) / "gloo").string();
    lo.testbed_dir = s_.o.testbed_dir;
    gloo_ = run_gloo_probe(lo, s_.o.probe_calls, 60);
    const double hops = 2.0 * (s_.workers - 1);
    const double allreduce = gloo_.at("allreduce_s").get<double>();
    const double latency = std::min(gloo_.at("latency_s").get<double>(), allreduce / hops);
    gloo_["model_latency_s"] = latency;
    gloo_["model_collective_overhead_s"] = std::max(0.0, allreduce - hops * latency);
    // The links' nominal rate unless the large all-reduce moved its bytes slower (the workers'
    // copies and sums on shared cores, Gloo's framing): what a DP step's ring really gets.
    const double nominal = parse_quantity(s_.o.worker_bandwidth, Dimension::kBandwidth);
    const double measured = gloo_.value("bandwidth_bytes_per_s", 0.0);
    gloo_["model_bandwidth_bytes_per_s"] = measured > 0 ? std::min(nominal, measured) : nominal;
    write_json_file(file, gloo_);
  }

  /// The user's scenario with the measured platform, per-tier profiles (the storage side as the
  /// server ran under load: `service`, its profile written as `profile_name`), the stored groups
  /// and the search narrowed to what validate runs; `applied` gets what the service changed.
  nlohmann::json calibrated_scenario(const nlohmann::json& service, const std::string& profile_name,
                                     nlohmann::json& applied) {
    nlohmann::json sc = s_.doc;
    sc["name"] = sc.value("name", std::string("groups")) + " (calibrated, " + label_ + ")";
    nlohmann::json platform = calibration_.at("platform");
    platform["compute"]["nodes"] = s_.workers;
    platform["compute_network"] = {
        {"bandwidth", fmt("%.9gBps", gloo_.at("model_bandwidth_bytes_per_s").get<double>())},
        {"latency", fmt("%.9gs", gloo_.at("model_latency_s").get<double>())},
        {"collective_overhead",
         fmt("%.9gs", gloo_.at("model_collective_overhead_s").get<double>())}};
    sc["platform"] = platform;
    sc.erase("sweep");
    nlohmann::json& g = sc["workload"]["groups"];
    for (const char* key : {"profile", "generate", "sizes", "dataset"}) g.erase(key);
    for (const auto& p : calibration_.at("profiles")) {
      g["storage_profile"] = (fs::path(dir_) / p.at("storage").get<std::string>()).string();
      g["compute_profile"] = (fs::path(dir_) / p.at("compute").get<std::string>()).string();
    }
    g["freeze_index"] = s_.freeze;
    std::vector<int64_t> sizes;
    for (const auto& grp : groups_) sizes.push_back(grp.train_samples);
    g["sizes"] = sizes;
    g["dataset"] = {{"bytes_per_sample",
                     fmt("%.1fB", calibration_.at("dataset").at("bytes_per_sample").get<double>())},
                    {"samples_per_object", s_.o.per_object}};
    sc["strategy"] = "search";
    nlohmann::json search = sc.value("search", nlohmann::json::object());
    search["splits"] = s_.splits;
    search["storage_batches"] = s_.storage_batches;
    sc["search"] = search;
    // Real runs cut a stream into pieces of one training batch, `prefetch` of them ahead.
    sc["simulation"] = {{"chunks", 1000000}, {"prefetch", s_.o.prefetch}};
    applied =
        apply_storage_service(sc, service, (fs::path(dir_) / "profiles" / profile_name).string());
    return sc;
  }
  nlohmann::json calibrated_scenario() {
    return calibrated_scenario(service_, "storage-under-load.json", applied_);
  }

  nlohmann::json recommend() {
    const std::string base = (fs::path(dir_) / "prediction").string();
    const std::string rec = base + "-recommendation.json";
    if (!fs::exists(rec)) {
      validate_say(where_ + "predicting every strategy (tiersplit recommend)");
      write_json_file(base + "-scenario.json", calibrated_scenario());
      run_self({"recommend", base + "-scenario.json", "-o", rec}, base + "-recommend.log");
    }
    return load_json_file(rec).raw();
  }

  /// Each feasible strategy's best, and MTP with a stream per configuration (Kingpin's MTP, the
  /// baseline of the shared stream) when the search allows per-config extraction.
  std::vector<nlohmann::json> plan_runs(const nlohmann::json& rec) {
    std::vector<nlohmann::json> out;
    for (const auto& st : rec.at("points").at(0).at("strategies")) {
      if (!st.value("feasible", false)) continue;
      const auto& best = st.at("best");
      out.push_back({{"label", run_label(best.at("choice"))},
                     {"choice", best.at("choice")},
                     {"predicted_s", best.at("makespan_s")},
                     {"predicted_bytes", best.value("storage_to_compute_bytes", 0.0)},
                     {"predicted_storage_compute_s", best.value("storage_compute_s", 0.0)},
                     {"bottleneck", best.value("bottleneck", "")}});
    }
    const auto& ex = s_.sc.search.extractions;
    const bool per_config_allowed =
        ex.empty() || std::find(ex.begin(), ex.end(), Extraction::kPerConfig) != ex.end();
    const bool have = std::any_of(out.begin(), out.end(), [](const nlohmann::json& r) {
      return r.at("label") == "mtp/per-config";
    });
    if (per_config_allowed && !have && !out.empty()) {
      nlohmann::json choice = out.front().at("choice");
      choice["strategy"] = "mtp";
      choice["extraction"] = "per-config";
      choice.erase("placement");
      out.push_back(simulate_fixed(choice));
    }
    return out;
  }

  nlohmann::json simulate_fixed(const nlohmann::json& choice) {
    return simulate_fixed(choice, "prediction-" + file_label(run_label(choice)),
                          [&] { return calibrated_scenario(); });
  }

  /// `choice` simulated alone in the scenario `make_scenario` gives, kept as DIR/NAME-*.
  template <typename MakeScenario>
  nlohmann::json simulate_fixed(const nlohmann::json& choice, const std::string& name,
                                MakeScenario make_scenario) {
    const std::string base = (fs::path(dir_) / name).string();
    if (!fs::exists(base + "-results.json")) {
      nlohmann::json sc = make_scenario();
      nlohmann::json fixed = {{"name", choice.at("strategy")},
                              {"extraction", choice.at("extraction")},
                              {"split", choice.at("split")},
                              {"storage_batch", choice.at("storage_batch")}};
      if (choice.contains("placement")) fixed["placement"] = choice.at("placement");
      sc["strategy"] = fixed;
      write_json_file(base + "-scenario.json", sc);
      run_self({"simulate", base + "-scenario.json", "-o", base + "-results.json"},
               base + "-simulate.log");
    }
    const nlohmann::json res = load_json_file(base + "-results.json").raw();
    const auto& row = res.at("results").at(0);
    return {{"label", run_label(choice)},
            {"choice", choice},
            {"predicted_s", row.at("makespan_s")},
            {"predicted_bytes", row.value("storage_to_compute_bytes", 0.0)},
            {"predicted_storage_compute_s", row.value("storage_compute_s", 0.0)},
            {"bottleneck", row.value("bottleneck", "")}};
  }

  /// The folder of repeat `r` (from 0) of a run: runs/LABEL, then runs/LABEL-r2, ...
  std::string run_dir(const nlohmann::json& planned, int64_t r) const {
    std::string name = file_label(planned.at("label"));
    if (r > 0) name += "-r" + std::to_string(r + 1);
    return (fs::path(dir_) / "runs" / name).string();
  }

  /// Repeat `r` of a planned run, unless its report exists: probes, the run, probes. A run whose
  /// probes showed the machine slower than at calibration beyond the calm tolerance is set aside
  /// and measured again, up to --remeasure-unsettled times; the last one counts.
  void measure(const nlohmann::json& planned, int64_t r) {
    const std::string out_dir = run_dir(planned, r);
    int64_t set_aside = set_aside_count(out_dir);
    for (;;) {  // a run found on resume, or just measured, is checked alike
      if (fs::exists(out_dir + "/report.json")) {
        const std::string speed = out_dir + "/speed.json";
        if (set_aside >= s_.o.remeasure_unsettled || !fs::exists(speed) ||
            !groups_run_unsettled(load_json_file(speed).raw(), s_.o.calm_tolerance))
          return;
        const std::string aside = set_aside_path(out_dir, ++set_aside);
        fs::rename(out_dir, aside);
        validate_say(where_ + "  the machine was unsettled around " +
                     planned.at("label").get<std::string>() + " (kept as " + aside +
                     "): measuring it again, " + std::to_string(set_aside) + " of at most " +
                     std::to_string(s_.o.remeasure_unsettled));
      }
      run_once(planned, r, out_dir);
    }
  }

  /// One measurement of repeat `r` of a planned run into `out_dir`: probes, the run, probes.
  void run_once(const nlohmann::json& planned, int64_t r, const std::string& out_dir) {
    fs::create_directories(out_dir);
    const auto [before, waited] = probe_until_calm(out_dir + "/speed-before");
    const nlohmann::json pd_before =
        s_.o.speed_probes ? probe_pushdowns(out_dir + "/pushdown-before.json") : nlohmann::json();
    validate_say(where_ + "running " + planned.at("label").get<std::string>() +
                 (s_.o.repeats > 1
                      ? fmt(" (repeat %g", double(r + 1)) + fmt(" of %g)", double(s_.o.repeats))
                      : std::string()) +
                 fmt(" (predicted %.1f s)", planned["predicted_s"]));
    RunSpec spec;
    spec.server = server_.url;
    spec.dataset = s_.dataset;
    spec.weights = s_.o.weights;
    spec = run_spec_from_scenario(s_.o.scenario_file, spec, nullptr);
    const auto& c = planned.at("choice");
    spec.freeze = s_.freeze;
    spec.split = c.at("split");
    spec.storage_batch = c.at("storage_batch");
    spec.prefetch = s_.o.prefetch;
    spec.strategy = parse_strategy(c.at("strategy"));
    spec.extraction = parse_extraction(c.at("extraction"));
    spec.placement = parse_placement(c.value("placement", "wrap-around"));
    spec.evaluation = "end";
    LaunchOptions lo;
    lo.workers = s_.workers;
    lo.out_dir = out_dir;
    lo.testbed_dir = s_.o.testbed_dir;
    lo.timeout_s = s_.o.run_timeout_s;
    const nlohmann::json report = run_local(spec, lo);
    const nlohmann::json reference =
        s_.o.speed_probes ? calibrated_speed(calibration_) : nlohmann::json();
    if (!reference.is_null()) {
      const nlohmann::json after = probe_fresh(out_dir + "/speed-after");
      const nlohmann::json pd_after = probe_pushdowns(out_dir + "/pushdown-after.json");
      nlohmann::json speed = run_machine_speed(before, after, reference, waited);
      speed["pushdown_slowdown"] =
          0.5 * (pushdown_slowdown(pd_before, service_) + pushdown_slowdown(pd_after, service_));
      speed["pushdown_before"] = pd_before;
      speed["pushdown_after"] = pd_after;
      write_json_file(out_dir + "/speed.json", speed);
    }
    write_json_file(out_dir + "/report.json", report);
  }

  /// Every repeat of every planned run, in rounds (forward, then backward: a machine whose speed
  /// drifts shifts every configuration's mean alike), then each run's figures: the measured
  /// makespan is the mean over its repeats.
  nlohmann::json run_all(const std::vector<nlohmann::json>& planned) {
    for (int64_t r = 0; r < s_.o.repeats; ++r)
      for (std::size_t i : round_order(planned.size(), r)) measure(planned[i], r);
    nlohmann::json runs = nlohmann::json::array();
    for (nlohmann::json p : planned) {
      std::vector<double> each, block;
      std::vector<nlohmann::json> speeds;
      nlohmann::json set_aside = nlohmann::json::array();
      for (int64_t r = 0; r < s_.o.repeats; ++r) {
        for (int64_t k = 1, n = set_aside_count(run_dir(p, r)); k <= n; ++k)
          set_aside.push_back(unsettled_run(run_dir(p, r), k));
        const nlohmann::json rep = load_json_file(run_dir(p, r) + "/report.json").raw();
        each.push_back(rep.at("training_makespan_s").get<double>());
        block.push_back(rep.at("totals").at("server_compute_s").get<double>());
        if (fs::exists(run_dir(p, r) + "/speed.json"))
          speeds.push_back(load_json_file(run_dir(p, r) + "/speed.json").raw());
        if (r > 0) {
          p["exactly_once"] =
              p["exactly_once"].get<bool>() && rep.at("checks").at("exactly_once").get<bool>();
          continue;
        }
        p["whole_run_s"] = rep.at("makespan_s");
        p["storage_bytes"] = rep.at("totals").at("storage_bytes");
        p["gloo_calls"] = rep.at("totals").at("gloo_calls");
        p["exactly_once"] = rep.at("checks").at("exactly_once");
        p["accuracy"] = rep.at("accuracy");
        p["report"] = run_dir(p, r) + "/report.json";
      }
      double sum = 0;
      for (double v : each) sum += v;
      p["measured_s"] = sum / static_cast<double>(each.size());
      p["measured_each_s"] = each;
      // The server's block time for the training pushdowns against the simulation's: how fast
      // the storage tier really ran this run's pushdowns (the reads and serialisation that
      // preempt the blocks on a shared core count too).
      p["server_compute_each_s"] = block;
      const double predicted_block = p.value("predicted_storage_compute_s", 0.0);
      if (predicted_block > 0) {
        nlohmann::json ratios = nlohmann::json::array();
        for (double b : block) ratios.push_back(b / predicted_block);
        p["server_compute_ratio_each"] = ratios;
      }
      if (!set_aside.empty()) p["unsettled_runs"] = set_aside;
      if (!speeds.empty())
        p["speed"] = speeds.size() == 1 ? speeds[0] : pool_machine_speeds(speeds);
      p["error"] = p["predicted_s"].get<double>() / p["measured_s"].get<double>() - 1;
      at_run_speed(p);
      validate_say(where_ + "  " + p.at("label").get<std::string>() +
                   fmt(": measured %.2f s", p["measured_s"]) +
                   fmt(", predicted %+.1f%%", 100 * p["error"].get<double>()));
      runs.push_back(p);
    }
    return runs;
  }

  /// The run predicted again with the storage tier at the pushdown speed its probes measured
  /// around it (the mean over its repeats): the model's error given the machine's speed at the
  /// time, beside the error at the calibrated speed (this VM's convolutions run 10-20 % faster
  /// or slower for minutes; docs/validation.md).
  void at_run_speed(nlohmann::json& p) {
    if (!p.contains("speed") || !p.at("speed").contains("pushdown_slowdown")) return;
    const double slowdown = p.at("speed").at("pushdown_slowdown").get<double>();
    nlohmann::json service = service_;
    service["block_cpu_s_per_sample"] =
        service_.at("block_cpu_s_per_sample").get<double>() * slowdown;
    const std::string tag = fmt("x%.3f", slowdown);
    nlohmann::json applied;
    const nlohmann::json row = simulate_fixed(
        p.at("choice"), "prediction-" + file_label(p.at("label")) + "-at-" + tag, [&] {
          return calibrated_scenario(service, "storage-under-load-" + tag + ".json", applied);
        });
    p["pushdown_slowdown"] = slowdown;
    p["predicted_at_run_speed_s"] = row.at("predicted_s");
    p["error_at_run_speed"] =
        row.at("predicted_s").get<double>() / p.at("measured_s").get<double>() - 1;
  }

  /// The k-th set-aside measurement of run folder `dir`: where, its makespan and the probes.
  static nlohmann::json unsettled_run(const std::string& dir, int64_t k) {
    const std::string aside = set_aside_path(dir, k);
    nlohmann::json d = {{"run", aside}, {"replaced_by", dir}};
    if (fs::exists(aside + "/report.json"))
      d["training_makespan_s"] =
          load_json_file(aside + "/report.json").raw().at("training_makespan_s");
    if (fs::exists(aside + "/speed.json")) {
      const nlohmann::json sp = load_json_file(aside + "/speed.json").raw();
      d["storage_slowdown"] = sp.at("storage_slowdown");
      d["compute_slowdown"] = sp.at("compute_slowdown");
      if (sp.contains("pushdown_slowdown")) d["pushdown_slowdown"] = sp.at("pushdown_slowdown");
    }
    return d;
  }

  /// The storage tier's speed for the pushdowns' blocks now: the server under load, briefly.
  nlohmann::json probe_pushdowns(const std::string& file) {
    if (fs::exists(file)) fs::remove(file);
    return measure_storage_service(service_probe(2), file);
  }

  nlohmann::json probe_fresh(const std::string& prefix) {
    return probe_tiers_fresh(s_.o.testbed_dir, server_.url, prefix);
  }

  /// Waits up to calm_wait_s for both tiers to be within calm_tolerance of their calibrated
  /// speed (a shared machine's slow phases last minutes; docs/validation.md). The last probe
  /// (null without a reference or without probes) and the time waited.
  std::pair<nlohmann::json, double> probe_until_calm(const std::string& prefix) {
    const nlohmann::json reference = calibrated_speed(calibration_);
    if (reference.is_null() || !s_.o.speed_probes) return {nlohmann::json(), 0.0};
    return real_exec::probe_until_calm(
        s_.o.testbed_dir, server_.url, prefix, reference, s_.o.calm_tolerance, s_.o.calm_wait_s,
        [&](const std::string& line) { validate_say(where_ + line); });
  }

  const GroupsValidationSetup& s_;
  std::size_t index_;
  const std::vector<DatasetGroup>& groups_;
  std::string label_, dir_, where_;
  nlohmann::json calibration_, gloo_, service_, applied_;
  TierServer server_;
};

}  // namespace

bool groups_run_unsettled(nlohmann::json speed, double tolerance) {
  speed.erase("pushdown_slowdown");
  return machine_unsettled(speed, tolerance);
}

nlohmann::json run_groups_validation(const GroupsValidationOptions& options) {
  const GroupsValidationSetup s = make_groups_validation_setup(options);
  fs::create_directories(s.o.state_dir);
  const auto groups = ensure_validation_groups(s);
  nlohmann::json points = nlohmann::json::array();
  for (std::size_t i = 0; i < s.o.bandwidths.size(); ++i)
    points.push_back(PointValidation(s, i, groups).run());
  testbed_down(s.o.testbed_dir);
  nlohmann::json report = {{"format", "tiersplit-groups-validation"},
                           {"version", 1},
                           {"scenario", s.sc.name},
                           {"scenario_file", s.o.scenario_file},
                           {"dataset", s.dataset},
                           {"workers", s.workers},
                           {"splits", s.splits},
                           {"storage_batches", s.storage_batches},
                           {"tolerance", s.o.tolerance},
                           {"points", points},
                           {"summary", summarise_groups_validation(points, s.o.tolerance)}};
  write_json_file(s.o.output, report);
  return report;
}

}  // namespace tiersplit::real_exec::groups
