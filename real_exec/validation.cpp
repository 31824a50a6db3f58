// validation.cpp: the validate loop — calibrate per point, predict (simulate, recommend) in
// separate processes, run real jobs on the testbed (resumable), compare, summarise.
#include "real_exec/validation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "common/strings.hpp"
#include "common/subprocess.hpp"
#include "common/table.hpp"
#include "optimizer/recommendation.hpp"
#include "real_exec/calibrate.hpp"
#include "real_exec/calibration_file.hpp"
#include "real_exec/set_aside.hpp"
#include "real_exec/speed_probe.hpp"
#include "real_exec/testbed.hpp"
#include "real_exec/validation_report.hpp"
#include "sim/results_document.hpp"

namespace tiersplit::real_exec {

namespace fs = std::filesystem;

namespace {

/// The data-order seed of every real run (`tiersplit train --seed`), which the simulation is
/// given too: both read the same objects for the same iteration.
constexpr int64_t kRunSeed = 1;

/// A configuration to run for real and why.
struct Planned {
  int64_t split = 0, storage_batch = 1;
  std::set<std::string> reasons;
};

std::string run_name(const std::string& tenant, int64_t s, int64_t b) {
  return tenant + "-s" + std::to_string(s) + "-b" + std::to_string(b);
}

bool complete_run(const std::string& file, int64_t iterations) {
  if (!fs::exists(file)) return false;
  try {
    auto j = load_json_file(file).raw();
    return j.contains("iterations") && static_cast<int64_t>(j["iterations"].size()) == iterations;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

/// Everything about one validation point (one shaped bandwidth).
class PointValidation {
 public:
  PointValidation(const ValidationOptions& o, std::size_t index)
      : o_(o), index_(index), bw_(o.bandwidths[index]), label_(bandwidth_label(bw_)) {
    dir_ = (fs::path(o.state_dir) / ("point-" + std::to_string(index) + "-" + label_)).string();
    fs::create_directories(fs::path(dir_) / "runs");
  }

  nlohmann::json run() {
    const std::string where = "[" + std::to_string(index_ + 1) + "/" +
                              std::to_string(o_.bandwidths.size()) + " " + label_ + "] ";
    calibrate_point(where);
    server_ = start_tier_server(o_.testbed_dir, o_.store, o_.port, o_.threads,
                                (fs::path(dir_) / "server.log").string());
    nlohmann::json point = {{"point", index_},
                            {"bandwidth", label_},
                            {"bandwidth_bytes_per_s", bw_},
                            {"latency_s", o_.latency_s},
                            {"calibration", (fs::path(dir_) / "calibration.json").string()},
                            {"link", calibration_["measured"]["link"]["fit"]},
                            {"platform", calibration_["platform"]},
                            {"testbed", calibration_["testbed"]}};
    nlohmann::json tenants = nlohmann::json::array();
    if (!o_.together_only) {
      for (std::size_t t = 0; t < o_.tenants.size(); ++t)
        tenants.push_back(validate_tenant(t, where));
    }
    point["tenants"] = tenants;
    if ((o_.multi_tenant || o_.together_only) && o_.tenants.size() > 1)
      point["multi_tenant"] = run_multi_tenant(where);
    server_.process.stop();
    return point;
  }

 private:
  void calibrate_point(const std::string& where) {
    const std::string file = (fs::path(dir_) / "calibration.json").string();
    TestbedOptions tb;
    tb.bandwidth = label_;
    tb.delay = fmt("%gus", o_.latency_s * 1e6);
    tb.mode = o_.mode;
    tb.threads = o_.threads;
    tb.state_dir = o_.testbed_dir;
    tb.hosts = o_.hosts;
    tb.hosts.shared_dir = o_.state_dir;  // the hosts write their runs and measurements there
    if (fs::exists(file)) {
      validate_say(where + "reusing " + file);
      testbed_up(tb);
      calibration_ = read_calibration(file);
    } else {
      validate_say(where + "calibrating (profiles per tier, link, server overheads)");
      CalibrateOptions c;
      c.testbed = tb;
      c.store = o_.store;
      c.dataset = o_.dataset;
      c.per_object = o_.tenants.front().batch;
      c.models.clear();
      for (const auto& t : o_.tenants) {
        if (std::find(c.models.begin(), c.models.end(), t.model) == c.models.end())
          c.models.push_back(t.model);
      }
      c.resolution = o_.tenants.front().resolution;
      c.batch = o_.tenants.front().batch;
      c.storage_batches = o_.storage_batches;
      c.dir = dir_;
      c.allow_busy = o_.allow_busy;
      // Profiles do not depend on the link: points share them (profile_tiers keeps files).
      const fs::path shared = fs::path(o_.state_dir) / "profiles";
      sync_profiles(shared, fs::path(dir_) / "profiles");
      calibration_ = calibrate(c);
      sync_profiles(fs::path(dir_) / "profiles", shared);
    }
    const auto& ds = calibration_["dataset"];
    dataset_ = ds["name"].get<std::string>();
    const int64_t need = (o_.warmup + o_.iterations) * o_.tenants.front().batch;
    if (ds["target_train_samples"].get<int64_t>() < need) {
      ensure_dataset(o_.store, dataset_, ds["resolution"], ds["per_object"], need, false);
    }
  }

  /// The calibrated scenario for `tenant_indices`: the user's document with the measured
  /// platform, per-tier profiles, the real data set's layout and the runs' length.
  nlohmann::json calibrated_scenario(const std::vector<std::size_t>& tenant_indices,
                                     const std::vector<std::pair<int64_t, int64_t>>& fixed = {},
                                     const std::vector<double>& arrivals = {}) {
    nlohmann::json sc = o_.scenario;
    sc["name"] = sc.value("name", std::string("scenario")) + " (calibrated, " + label_ + ")";
    sc["platform"] = calibration_["platform"];
    sc.erase("sweep");
    sc["simulation"] = {{"iterations", o_.warmup + o_.iterations},
                        {"warmup", o_.warmup},  // the runs' warm-up: the same iterations compared
                        {"prefetch_depth", 1},
                        {"chunks", 1},
                        {"fetch", "serial"}};
    nlohmann::json search = nlohmann::json::object();
    std::vector<int64_t> batches;
    for (const auto& p : calibration_["profiles"])
      batches = p["storage_batches"].get<std::vector<int64_t>>();
    search["storage_batches"] = batches;
    if (!o_.splits.empty()) search["splits"] = o_.splits;
    sc["search"] = search;
    const auto& ds = calibration_["dataset"];
    nlohmann::json tenants = nlohmann::json::array();
    for (std::size_t k = 0; k < tenant_indices.size(); ++k) {
      std::size_t i = tenant_indices[k];
      nlohmann::json t = o_.scenario["workload"]["tenants"][i];
      const ValidationTenant& vt = o_.tenants[i];
      for (const char* key :
           {"profile", "epochs", "split", "storage_batch", "compute_node", "arrival"})
        t.erase(key);
      t["name"] = vt.name;
      for (const auto& p : calibration_["profiles"]) {
        if (p["model"] == vt.model) {
          t["storage_profile"] = (fs::path(dir_) / p["storage"].get<std::string>()).string();
          t["compute_profile"] = (fs::path(dir_) / p["compute"].get<std::string>()).string();
        }
      }
      t["dataset"] = {{"samples", ds["target_train_samples"]},
                      {"bytes_per_sample", fmt("%.1fB", ds["bytes_per_sample"].get<double>())},
                      {"samples_per_object", ds["per_object"]},
                      {"order", "shuffled"},  // as the runs read it (train_argv)
                      {"seed", kRunSeed}};
      t["iterations"] = o_.warmup + o_.iterations;
      if (k < fixed.size()) {
        t["split"] = fixed[k].first;
        t["storage_batch"] = fixed[k].second;
      }
      if (k < arrivals.size()) t["arrival"] = fmt("%.6fs", arrivals[k]);
      tenants.push_back(t);
    }
    sc["workload"]["tenants"] = tenants;
    return sc;
  }

  /// The argv of the real run of one configuration on the compute tier (`tiersplit train`,
  /// writing <file>.part); the command heads its log, <file>.log.
  std::vector<std::string> train_argv(const ValidationTenant& vt, int64_t s, int64_t b,
                                      const std::string& file) {
    std::vector<std::string> args{"train",
                                  "--server",
                                  server_.url,
                                  "--dataset",
                                  dataset_,
                                  "--model",
                                  vt.model,
                                  "--split",
                                  std::to_string(s),
                                  "--storage-batch",
                                  std::to_string(b),
                                  "--batch",
                                  std::to_string(vt.batch),
                                  "--iterations",
                                  std::to_string(o_.warmup + o_.iterations),
                                  "--eval-samples",
                                  "-1",
                                  "--prefetch",
                                  "1",
                                  "--seed",
                                  std::to_string(kRunSeed),
                                  "--threads",
                                  std::to_string(o_.threads),
                                  "-o",
                                  file + ".part"};
    if (vt.freeze >= 0) {
      args.push_back("--freeze");
      args.push_back(std::to_string(vt.freeze));
    }
    auto argv = on_tier(o_.testbed_dir, "compute", args);
    std::ofstream(file + ".log", std::ios::trunc) << "# " << shell_line(argv) << "\n";
    return argv;
  }

  /// The calibration's machine speed (speed_probe.hpp), or null: probes off, or a calibration
  /// written before there were probes.
  nlohmann::json speed_reference() const {
    return o_.speed_probes ? calibrated_speed(calibration_) : nlohmann::json();
  }

  /// probe_tiers into <prefix>-{storage,compute}.json, measured now (older files are replaced).
  nlohmann::json probe_fresh(const std::string& prefix) {
    return probe_tiers_fresh(o_.testbed_dir, server_.url, prefix);
  }

  /// Probes both tiers before the run of `file` until neither is slower than at calibration by
  /// more than the calm tolerance, or the calm wait is over. Returns the last probe (null
  /// without a reference) and the time spent [s].
  std::pair<nlohmann::json, double> probe_until_calm(const std::string& file,
                                                     const std::string& where) {
    const nlohmann::json reference = speed_reference();
    if (reference.is_null()) return {nlohmann::json(), 0.0};
    return real_exec::probe_until_calm(
        o_.testbed_dir, server_.url, file + ".speed-before", reference, o_.calm_tolerance,
        o_.calm_wait_s, [&](const std::string& line) { validate_say(where + line); });
  }

  /// Keeps a finished real run (<file>.part -> <file>), or fails naming it and its log.
  static void keep_run(const std::string& what, int status, const std::string& file) {
    if (status != 0 || !fs::exists(file + ".part")) {
      fail("the real run of ", what, " failed (status ", status, "); ", file,
           ".log ends with:", log_tail(file + ".log"));
    }
    fs::rename(file + ".part", file);
  }

  nlohmann::json validate_tenant(std::size_t t, const std::string& where) {
    const ValidationTenant& vt = o_.tenants[t];
    const std::string base = (fs::path(dir_) / vt.name).string();
    write_json_file(base + "-scenario.json", calibrated_scenario({t}));
    run_self({"simulate", base + "-scenario.json", "-o", base + "-simulation.json"},
             base + "-simulate.log");
    run_self({"recommend", base + "-scenario.json", "-o", base + "-recommendation.json",
              "--prefetch", "1", "-q"},
             base + "-recommend.log");
    const sim::ResultsDocument sim = sim::read_results_document(base + "-simulation.json");
    const optimizer::Recommendation rec =
        optimizer::read_recommendation(base + "-recommendation.json");
    if (rec.points.empty() || rec.points[0].tenants.empty())
      fail(base, "-recommendation.json: no point or tenant recommended");
    const optimizer::TenantRecommendation& rt = rec.points[0].tenants[0];
    const int64_t f = rt.freeze_index;

    // Predictions: every simulated (s, b); per split the storage batch predicted best.
    std::map<std::pair<int64_t, int64_t>, sim::TenantResult> predicted;
    std::map<int64_t, std::pair<int64_t, double>> best_b;
    for (const sim::TenantResult& r : sim.results) {
      if (!r.feasible) continue;
      const int64_t s = r.split, b = r.storage_batch;
      predicted[{s, b}] = r;
      const double it = r.iteration_s;
      auto found = best_b.find(s);
      if (found == best_b.end() || it < found->second.second - 1e-12) best_b[s] = {b, it};
    }
    std::map<std::pair<int64_t, int64_t>, Planned> plan;
    auto want = [&](int64_t s, int64_t b, const std::string& why) {
      if (s == 0) b = best_b.count(0) ? best_b[0].first : b;
      if (!predicted.count({s, b})) return;
      auto& p = plan[{s, b}];
      p.split = s;
      p.storage_batch = b;
      p.reasons.insert(why);
    };
    want(rt.split, rt.storage_batch, "choice");
    for (const optimizer::RunnerUp& r : rt.runner_ups) want(r.split, r.storage_batch, "runner-up");
    for (const optimizer::BaselineOutcome& bl : rt.baselines) {
      if (bl.feasible) want(bl.split, bl.storage_batch, bl.name);
    }
    std::vector<int64_t> splits;
    for (const auto& [s, _] : best_b) splits.push_back(s);
    // Evenly spaced others (each at its predicted-best storage batch) up to max_configs.
    std::set<int64_t> planned_splits;
    for (const auto& [k, _] : plan) planned_splits.insert(k.first);
    const std::size_t room =
        static_cast<std::size_t>(std::max<int64_t>(0, o_.max_configs)) > plan.size()
            ? static_cast<std::size_t>(o_.max_configs) - plan.size()
            : 0;
    std::vector<int64_t> rest;
    nlohmann::json not_run = nlohmann::json::array();
    for (int64_t s : splits) {
      if (planned_splits.count(s)) continue;
      const double run_s = static_cast<double>(o_.warmup + o_.iterations) * best_b[s].second;
      if (run_s <= o_.max_run_seconds) {
        rest.push_back(s);
      } else {
        not_run.push_back({{"split", s},
                           {"storage_batch", best_b[s].first},
                           {"predicted_run_s", run_s},
                           {"why", "predicted run longer than --max-run-seconds"}});
      }
    }
    if (rest.size() <= room) {
      for (int64_t s : rest) want(s, best_b[s].first, "spaced");
    } else if (room > 0) {
      for (std::size_t k = 0; k < room; ++k) {
        std::size_t idx = (rest.size() - 1) * (2 * k + 1) / (2 * room);
        want(rest[idx], best_b[rest[idx]].first, "spaced");
      }
    }

    // Every configuration once per round, round after round, every other round backwards: a
    // drift of the machine's speed over the validation touches every configuration alike
    // instead of the last ones measured.
    const int64_t rounds = std::max<int64_t>(1, o_.repeats);
    std::vector<decltype(plan)::value_type*> planned;
    for (auto& entry : plan) planned.push_back(&entry);
    std::map<std::pair<int64_t, int64_t>, std::vector<std::string>> files;
    std::map<std::string, nlohmann::json> reports_read;  // the runs measured now, read once
    for (int64_t r = 0; r < rounds; ++r) {
      std::size_t n = 0;
      for (const std::size_t i : round_order(planned.size(), r)) {
        const auto& [key, p] = *planned[i];
        ++n;
        const std::string file =
            (fs::path(dir_) / "runs" /
             (run_name(vt.name, p.split, p.storage_batch) +
              (r == 0 ? std::string() : "-r" + std::to_string(r + 1)) + ".json"))
                .string();
        files[key].push_back(file);
        const std::string what =
            vt.name + " s=" + std::to_string(p.split) + " b=" + std::to_string(p.storage_batch) +
            " (" + join(std::vector<std::string>(p.reasons.begin(), p.reasons.end()), ", ") + ")";
        const std::string counter =
            "run " + std::to_string(n) + "/" + std::to_string(plan.size()) +
            (rounds > 1 ? " of round " + std::to_string(r + 1) + "/" + std::to_string(rounds)
                        : std::string()) +
            " ";
        // A run measured while the speed probes showed the machine slower than at calibration
        // (beyond the calm tolerance, before or after it) is set aside and measured again, up
        // to --remeasure-unsettled times; the last one counts (the report lists the others).
        int64_t set_aside = set_aside_count(file);
        for (;;) {
          if (complete_run(file, o_.warmup + o_.iterations)) {
            const bool again =
                set_aside < o_.remeasure_unsettled && fs::exists(file + ".speed.json") &&
                machine_unsettled(load_json_file(file + ".speed.json").raw(), o_.calm_tolerance);
            if (!again) {
              if (!reports_read.count(file))
                validate_say(where + counter + what + ": kept from " + file);
              break;
            }
            const std::string aside = set_aside_path(file, ++set_aside);
            for (const std::string ext : {".log", ".speed.json"}) {
              if (fs::exists(file + ext)) fs::rename(file + ext, aside + ext);
            }
            fs::rename(file, aside);
            reports_read.erase(file);
            validate_say(where + "  the machine was unsettled around that run (kept as " + aside +
                         "): measuring it again, " + std::to_string(set_aside) + " of at most " +
                         std::to_string(o_.remeasure_unsettled));
          }
          validate_say(where + counter + what);
          const auto [before, waited_s] = probe_until_calm(file, where);
          keep_run(what,
                   run_process(train_argv(vt, p.split, p.storage_batch, file), file + ".log", 3600),
                   file);
          std::string machine;
          if (!before.is_null()) {
            const nlohmann::json speed = run_machine_speed(
                before, probe_fresh(file + ".speed-after"), speed_reference(), waited_s);
            write_json_file(file + ".speed.json", speed);
            machine = fmt("; machine x%.2f", speed["storage_slowdown"].get<double>()) +
                      fmt(" (storage), x%.2f", speed["compute_slowdown"].get<double>()) +
                      " (compute) of the calibration's time";
          }
          const nlohmann::json& report = reports_read[file] = load_json_file(file).raw();
          const double mi = measured_from_train_report(report, o_.warmup)["iteration_s"];
          const double pi = predicted.at({p.split, p.storage_batch}).iteration_s;
          validate_say(where + "  measured " + fmt("%.1f", 1e3 * mi) + " ms/it, predicted " +
                       fmt("%.1f", 1e3 * pi) + " ms/it: " + fmt("%+.1f", 100 * (pi - mi) / mi) +
                       "%" + machine);
        }
      }
    }
    nlohmann::json configs = nlohmann::json::array();
    for (auto& [key, p] : plan) {
      std::vector<nlohmann::json> reports;
      for (const auto& f : files[key]) {
        auto read = reports_read.find(f);
        reports.push_back(read != reports_read.end() ? read->second : load_json_file(f).raw());
      }
      nlohmann::json c = {
          {"split", p.split},
          {"storage_batch", p.storage_batch},
          {"reasons", std::vector<std::string>(p.reasons.begin(), p.reasons.end())},
          {"predicted", predicted_from_sim_result(predicted.at({p.split, p.storage_batch}))},
          {"measured", measured_from_train_reports(reports, o_.warmup)},
          {"run", files[key].front()},
          {"runs", files[key]}};
      std::vector<nlohmann::json> speeds;
      nlohmann::json set_aside = nlohmann::json::array();
      for (const auto& f : files[key]) {
        if (fs::exists(f + ".speed.json"))
          speeds.push_back(load_json_file(f + ".speed.json").raw());
        for (int64_t k = 1, n = set_aside_count(f); k <= n; ++k) {
          const std::string aside = set_aside_path(f, k);
          nlohmann::json d = {{"run", aside}, {"replaced_by", f}};
          if (fs::exists(aside + ".speed.json")) {
            const nlohmann::json sp = load_json_file(aside + ".speed.json").raw();
            d["storage_slowdown"] = sp.at("storage_slowdown");
            d["compute_slowdown"] = sp.at("compute_slowdown");
          }
          d["iteration_s"] =
              measured_from_train_report(load_json_file(aside).raw(), o_.warmup)["iteration_s"];
          set_aside.push_back(d);
        }
      }
      if (!set_aside.empty()) c["unsettled_runs"] = set_aside;
      if (!speeds.empty()) {
        nlohmann::json& ms = c["machine_speed"] = pool_machine_speeds(speeds);
        ms["calm"] = !machine_unsettled(ms, o_.calm_tolerance);
      }
      add_errors(c);
      if (rounds > 1) {
        validate_say(
            where + "  " + vt.name + " s=" + std::to_string(p.split) +
            " b=" + std::to_string(p.storage_batch) + " over " + std::to_string(rounds) +
            " runs: measured " + fmt("%.1f", 1e3 * c["measured"]["iteration_s"].get<double>()) +
            " ms/it (standard error " + fmt("%.1f", 1e3 * c["measured"]["se_s"].get<double>()) +
            "), predicted " + fmt("%.1f", 1e3 * c["predicted"]["iteration_s"].get<double>()) +
            " ms/it: " + fmt("%+.1f", 100 * c["error"]["iteration"].get<double>()) + "%");
      }
      configs.push_back(c);
    }
    nlohmann::json baselines = nlohmann::json::array();
    for (const optimizer::BaselineOutcome& bl : rt.baselines) {
      baselines.push_back({{"name", bl.name},
                           {"split", bl.split},
                           {"storage_batch", bl.storage_batch},
                           {"feasible", bl.feasible}});
    }
    nlohmann::json runner_ups = nlohmann::json::array();
    for (const optimizer::RunnerUp& r : rt.runner_ups)
      runner_ups.push_back({{"split", r.split}, {"storage_batch", r.storage_batch}});
    nlohmann::json curve = nlohmann::json::array();
    for (const auto& [s, bi] : best_b)
      curve.push_back({{"split", s}, {"storage_batch", bi.first}, {"iteration_s", bi.second}});
    nlohmann::json choice_j = {{"split", rt.split}, {"storage_batch", rt.storage_batch}};
    if (rt.split == 0) choice_j["storage_batch"] = best_b.count(0) ? best_b[0].first : 1;
    return {{"tenant", t},
            {"name", vt.name},
            {"model", vt.model},
            {"resolution", vt.resolution},
            {"training_batch", vt.batch},
            {"freeze_index", f},
            {"choice", choice_j},
            {"runner_ups", runner_ups},
            {"baselines", baselines},
            {"predicted_curve", curve},
            {"scenario", base + "-scenario.json"},
            {"configurations", configs},
            {"not_run", not_run},
            {"summary", tenant_summary(configs, choice_j, f, o_.tolerance)}};
  }

  nlohmann::json run_multi_tenant(const std::string& where) {
    std::vector<std::size_t> all(o_.tenants.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    const std::string base = (fs::path(dir_) / "all-tenants").string();
    write_json_file(base + "-scenario.json", calibrated_scenario(all));
    run_self({"recommend", base + "-scenario.json", "-o", base + "-recommendation.json",
              "--prefetch", "1", "-q"},
             base + "-recommend.log");
    const optimizer::Recommendation rec =
        optimizer::read_recommendation(base + "-recommendation.json");
    if (rec.points.empty()) fail(base, "-recommendation.json: no point recommended");
    std::vector<std::pair<int64_t, int64_t>> fixed;
    for (const optimizer::TenantRecommendation& t : rec.points[0].tenants)
      fixed.emplace_back(t.split, t.storage_batch);

    std::vector<std::string> files;
    bool complete = true;
    for (std::size_t i = 0; i < all.size(); ++i) {
      files.push_back(
          (fs::path(dir_) / "runs" /
           ("together-" + run_name(o_.tenants[i].name, fixed[i].first, fixed[i].second) + ".json"))
              .string());
      complete = complete && complete_run(files.back(), o_.warmup + o_.iterations);
    }
    if (complete) {
      validate_say(where + "all " + std::to_string(all.size()) +
                   " tenants at once: kept from earlier runs");
    } else {
      validate_say(where + "all " + std::to_string(all.size()) +
                   " tenants at once, each at its joint choice");
      std::vector<ChildProcess> procs;
      for (std::size_t i = 0; i < all.size(); ++i) {
        fs::remove(files[i]);
        procs.emplace_back(train_argv(o_.tenants[i], fixed[i].first, fixed[i].second, files[i]),
                           files[i] + ".log");
      }
      for (std::size_t i = 0; i < procs.size(); ++i)
        keep_run(o_.tenants[i].name + " (all tenants at once)", procs[i].wait(), files[i]);
    }
    // Measured start offsets become the replay's arrivals: the simulation starts each job when
    // it really started, and its makespan is compared with the measured one.
    std::vector<nlohmann::json> reports;
    double t0 = 1e300, t1 = 0;
    for (const auto& f : files) {
      reports.push_back(load_json_file(f).raw());
      t0 = std::min(t0, reports.back()["summary"]["job_start_unix_s"].get<double>());
      t1 = std::max(t1, reports.back()["summary"]["job_end_unix_s"].get<double>());
    }
    std::vector<double> arrivals;
    for (const auto& r : reports)
      arrivals.push_back(r["summary"]["job_start_unix_s"].get<double>() - t0);
    write_json_file(base + "-replay.json", calibrated_scenario(all, fixed, arrivals));
    run_self({"simulate", base + "-replay.json", "-o", base + "-replay-simulation.json"},
             base + "-replay.log");
    const sim::ResultsDocument sim = sim::read_results_document(base + "-replay-simulation.json");
    nlohmann::json tenants = nlohmann::json::array();
    double predicted_makespan = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
      sim::TenantResult result;
      for (const sim::TenantResult& r : sim.results) {
        if (r.tenant == static_cast<int>(i)) result = r;
      }
      const auto& s = reports[i]["summary"];
      double job = s["job_end_unix_s"].get<double>() - s["job_start_unix_s"].get<double>();
      double pjob = result.job_s;
      predicted_makespan = std::max(predicted_makespan, arrivals[i] + pjob);
      nlohmann::json m = measured_from_train_report(reports[i], o_.warmup);
      tenants.push_back(
          {{"tenant", i},
           {"name", o_.tenants[i].name},
           {"split", fixed[i].first},
           {"storage_batch", fixed[i].second},
           {"start_offset_s", arrivals[i]},
           {"measured",
            {{"job_s", job}, {"iteration_s", m["iteration_s"]}, {"rel_iqr", m["rel_iqr"]}}},
           {"predicted", {{"job_s", pjob}, {"iteration_s", result.iteration_s}}},
           {"iteration_error",
            (result.iteration_s - m["iteration_s"].get<double>()) / m["iteration_s"].get<double>()},
           {"run", files[i]}});
    }
    const double measured_makespan = t1 - t0;
    nlohmann::json out = {
        {"tenants", tenants},
        {"predicted_makespan_at_choice_s", rec.points[0].makespan_s},
        {"measured_makespan_s", measured_makespan},
        {"predicted_makespan_s", predicted_makespan},
        {"makespan_error", (predicted_makespan - measured_makespan) / measured_makespan},
        {"scenario", base + "-replay.json"}};
    validate_say(where + "makespan measured " + fmt("%.2f", measured_makespan) + " s, predicted " +
                 fmt("%.2f", predicted_makespan) + " s (" +
                 fmt("%+.1f", 100 * out["makespan_error"].get<double>()) + "%)");
    return out;
  }

  const ValidationOptions& o_;
  std::size_t index_;
  double bw_;
  std::string label_, dir_, dataset_;
  nlohmann::json calibration_;
  TierServer server_;
};

std::vector<std::size_t> round_order(std::size_t count, int64_t round) {
  std::vector<std::size_t> order(count);
  for (std::size_t i = 0; i < count; ++i) order[i] = round % 2 == 0 ? i : count - 1 - i;
  return order;
}

void validate_say(const std::string& line) {
  std::cerr << "validate: " << line << std::endl;
}

nlohmann::json run_validation(const ValidationOptions& o0) {
  ValidationOptions o = o0;
  if (o.tenants.empty())
    fail(o.scenario_file, ": /workload/tenants: validate needs at least one tenant");
  if (o.bandwidths.empty())
    fail(o.scenario_file, ": /platform/network/bandwidth: no bandwidth to validate at");
  if (o.iterations < 2) fail("--iterations ", o.iterations, " must be at least 2");
  if (o.repeats < 1 || o.repeats > 100)
    fail("--repeats ", o.repeats, " must be in 1..100 (runs of every configuration)");
  if (o.remeasure_unsettled < 0 || o.remeasure_unsettled > 10)
    fail("--remeasure-unsettled ", o.remeasure_unsettled,
         " must be in 0..10 (extra runs of a configuration measured on an unsettled machine)");
  if (o.warmup < 1)
    fail("--warmup ", o.warmup, " must be at least 1 (the first iteration loads the model)");
  for (const auto& t : o.tenants) {
    if (t.resolution != o.tenants.front().resolution || t.batch != o.tenants.front().batch) {
      fail(o.scenario_file, ": ", t.json_path,
           ": validate runs every tenant on one data set: resolution ", t.resolution,
           " and batch_size ", t.batch, " must equal the first tenant's (",
           o.tenants.front().resolution, ", ", o.tenants.front().batch, ")");
    }
  }
  if (o.state_dir.empty()) o.state_dir = o.output + ".d";
  fs::create_directories(o.state_dir);
  o.state_dir = fs::absolute(o.state_dir).string();
  o.testbed_dir = fs::absolute(o.testbed_dir).string();
  install_child_cleanup_on_signals();

  nlohmann::json points = nlohmann::json::array();
  struct Down {
    std::string dir;
    ~Down() {
      try {
        testbed_down(dir);
      } catch (...) {
      }
    }
  } down{o.testbed_dir};
  for (std::size_t i = 0; i < o.bandwidths.size(); ++i) {
    PointValidation p(o, i);
    points.push_back(p.run());
    // Partial report after every point: an interrupted campaign still shows what it measured.
    nlohmann::json partial = {{"format", kValidationFormatName},
                              {"version", kValidationFormatVersion},
                              {"complete", false},
                              {"points", points}};
    write_json_file(o.output + ".partial", partial);
  }
  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  nlohmann::json report = {{"format", kValidationFormatName},
                           {"version", kValidationFormatVersion},
                           {"complete", true},
                           {"scenario", o.scenario.value("name", std::string("scenario"))},
                           {"scenario_file", o.scenario_file},
                           {"created", date},
                           {"settings",
                            {{"iterations", o.iterations},
                             {"warmup", o.warmup},
                             {"repeats", o.repeats},
                             {"remeasure_unsettled", o.remeasure_unsettled},
                             {"calm_tolerance", o.calm_tolerance},
                             {"threads_per_tier", o.threads},
                             {"store", o.store},
                             {"max_configs", o.max_configs},
                             {"max_run_seconds", o.max_run_seconds},
                             {"together_only", o.together_only},
                             {"tolerance", o.tolerance},
                             {"state_dir", o.state_dir}}},
                           {"points", points},
                           {"summary", overall_summary(points)}};
  write_json_file(o.output, report);
  fs::remove(o.output + ".partial");
  if (!o.plot.empty()) {
    if (o.together_only) {
      std::cerr << "validate: --plot draws per-split runs; --together-only has none, no plot\n";
    } else {
      write_validation_plot(report, o.plot);
    }
  }
  return report;
}

}  // namespace tiersplit::real_exec
