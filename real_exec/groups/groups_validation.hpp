// groups_validation.hpp: `tiersplit validate` on a groups scenario — per bandwidth, calibrate the
// testbed with P worker namespaces (tiers, the store's path, Gloo's per-call cost), predict every
// strategy with the simulator, run each for real, and report predicted against measured makespan,
// the choice against the measured best, the measured speed-ups and the heads' accuracy.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tiersplit::real_exec::groups {

/// What a groups validation does (unit, default, meaning).
struct GroupsValidationOptions {
  std::string scenario_file;       ///< a groups scenario (docs/scenario-format.md)
  std::vector<double> bandwidths;  ///< store -> workers, one point each [B/s] (scenario's sweep)
  /// One-way delay of the store's path [s]; validate takes the scenario's
  /// platform.network.latency_s, as the prediction does.
  double latency_s = 1e-3;
  int workers = 0;                 ///< P (0: the scenario's compute nodes)
  std::vector<int64_t> splits;     ///< searched (empty: the freeze index only)
  std::vector<int64_t> storage_batches;  ///< searched (empty: the scenario's, else B)
  std::string output = "validation.json";
  std::string state_dir;  ///< calibrations, runs, logs (default: output + ".d"); resumes
  std::string store = "swift://127.0.0.1:18080/tiersplit";
  std::string dataset;      ///< default: "<scenario name>-r<R>"
  double held_out = 0.2;    ///< each group's held-out share (evaluated after training)
  int64_t per_object = 64;  ///< samples per stored object
  int64_t prefetch = 2;     ///< pushdowns a worker runs ahead (runs and simulation)
  std::string weights = "random:1";
  std::string worker_bandwidth = "1Gbit";  ///< each worker's sends to the others
  int threads = 1;                         ///< LibTorch threads per tier and worker
  std::string mode = "auto";               ///< testbed: auto, netns, pacer
  std::string testbed_dir = "/tmp/tiersplit-testbed";
  int port = 8473;          ///< the validation server's port
  int probe_calls = 200;    ///< Gloo calls timed per probe
  double tolerance = 0.05;  ///< "within 5 % of the measured best"
  /// Runs of every configuration, in rounds over all of them (forward, then backward); the
  /// measured makespan is their mean (near ties between strategies need more than one).
  int64_t repeats = 1;
  bool allow_busy = false;
  /// Both tiers' speed probed around every run; a run waits (at most calm_wait_s) until the
  /// probe is at most calm_tolerance slower than at calibration.
  bool speed_probes = true;
  double calm_tolerance = 0.05;
  double calm_wait_s = 30;  ///< [s]
  /// How long the storage tier is timed under a run's load at calibration [s]: long enough to
  /// average a machine whose speed for convolutions alternates (this VM: 20 %, every 20 s to
  /// 1.5 min); the 2-s pushdown probes around every run are measured against it.
  double service_s = 60;
  /// A run whose probes show the machine slower than that is set aside and measured again, at
  /// most this many times (the last measurement counts; the report lists the others).
  int64_t remeasure_unsettled = 2;
  double run_timeout_s = 3600;  ///< one real run
};

/// Runs the validation (resuming from the state folder), writes `output` and returns the report
/// (docs/groups-real.md, "Validation").
nlohmann::json run_groups_validation(const GroupsValidationOptions& options);

/// Whether a run's probes (`speed`, as the run's speed.json) unsettle it: either tier's matrix
/// products slower than at calibration beyond `tolerance`. The pushdown probe is no verdict: the
/// calibration averages the pushdowns' speed over a minute, runs fall in faster and slower
/// phases around it (this VM: about +-12 %), and setting only the slower ones aside made the
/// runs kept faster than the machine (docs/validation.md); each run is predicted again at its
/// probes' speed instead (error_at_run_speed).
bool groups_run_unsettled(nlohmann::json speed, double tolerance);

/// A point's summary from its runs (each {label, strategy, predicted_s, measured_s, accuracy});
/// `choice` is the recommended run's label, `bottleneck` the choice's simulated bottleneck.
/// Fields: median/max absolute error, measured best and the choice's ratio to it, the choice's
/// measured speed-up over each strategy's best and over MTP with a stream per configuration,
/// and the largest spread of a (group, configuration)'s final accuracy across strategies.
nlohmann::json summarise_groups_point(const nlohmann::json& runs, const std::string& choice,
                                      double tolerance);

/// The validation's summary over its points' summaries (every run's error, cases, choice within
/// tolerance, shared-stream speed-ups where the link binds).
nlohmann::json summarise_groups_validation(const nlohmann::json& points, double tolerance);

/// One Markdown table row per point of the groups validation reports `files`, then one line over
/// all of them: the errors (and at run speed), the choices within the tolerance.
std::string groups_validation_table(const std::vector<std::string>& files);

}  // namespace tiersplit::real_exec::groups
