// validation.hpp: `tiersplit validate` — predict every split, choose, run the chosen configuration
// and its alternatives for real on the testbed, and report predicted against measured.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "real_exec/testbed.hpp"

namespace tiersplit::real_exec {

/// One TL job of the scenario, as validate runs it.
struct ValidationTenant {
  std::string name;
  std::string model;
  int64_t resolution = 64;
  int64_t batch = 32;     ///< training batch B
  int64_t freeze = -1;    ///< -1: the model's default
  std::string json_path;  ///< "/workload/tenants/0", for messages
};

struct ValidationOptions {
  std::string scenario_file;       ///< the scenario, as given
  nlohmann::json scenario;         ///< its document (calibrated copies are derived from it)
  std::vector<double> bandwidths;  ///< one validation point per bandwidth [B/s]
  double latency_s = 1e-3;         ///< one-way delay of the shaped link [s]
  std::vector<ValidationTenant> tenants;
  std::vector<int64_t> splits;           ///< splits the search may use (empty: all)
  std::vector<int64_t> storage_batches;  ///< storage batches (empty: 1, 2, 4, .., B)
  std::string output = "validation.json";
  std::string plot;       ///< PNG (empty: none)
  std::string state_dir;  ///< calibrations, runs, logs (default: output + ".d")
  std::string store = "swift://127.0.0.1:18080/tiersplit";
  std::string dataset;      ///< default: fashion-mnist-r<R>-o<B>
  int64_t iterations = 10;  ///< measured iterations per run
  int64_t warmup = 3;       ///< iterations run first and not measured
  int64_t repeats = 1;  ///< runs of every configuration, in rounds over all of them (round_order)
  int64_t max_configs = 8;    ///< real runs per tenant and point, at least
                              ///< the choice, runner-ups and baselines
  int threads = 1;            ///< LibTorch threads per tier
  std::string mode = "auto";  ///< testbed mode: auto, netns, pacer, hosts
  TestbedHosts hosts;         ///< mode "hosts": the scenario's /testbed
  std::string testbed_dir = "/tmp/tiersplit-testbed";
  int port = 8472;             ///< the validation server's port
  bool multi_tenant = true;    ///< with several tenants, also run them all at once
  bool together_only = false;  ///< only the run with all tenants at once
  /// Evenly spaced extra splits are run only when their predicted run ((warmup + iterations) x
  /// iteration time) is at most this long [s]; the choice, runner-ups and baselines always run.
  double max_run_seconds = 120;
  bool allow_busy = false;
  double tolerance = 0.05;  ///< "within 5 % of the measured best"
  /// Machine-speed probes around every single-tenant run (speed_probe.hpp), compared with the
  /// calibration's: a run starts only once both tiers are within `calm_tolerance` of the
  /// calibrated speed, or after `calm_wait_s` of probing every few seconds (0: probe, never wait).
  bool speed_probes = true;
  double calm_tolerance = 0.05;  ///< relative slowdown still taken as calm [x]
  double calm_wait_s = 30;       ///< longest wait for a calm machine before a run [s]
  /// A run whose probes (before and after it, averaged) show either tier slower than at
  /// calibration by more than `calm_tolerance` is set aside and measured again, at most this
  /// many times; the last run counts. Slow phases of a shared machine last minutes (probes x1.44-
  /// x1.56 around runs off by up to 33 %: docs/validation.md, checks at de393cf). 0: never.
  int64_t remeasure_unsettled = 2;
};

/// The order in which round `round` (from 0) runs `count` configurations: forward in even
/// rounds, backward in odd ones (A B C, C B A, ...). A machine whose speed drifts steadily over
/// the validation then shifts every configuration's mean over two rounds alike; in the same order
/// every round, the last ones measured are always the most shifted, which decides near ties.
std::vector<std::size_t> round_order(std::size_t count, int64_t round);

/// Runs the validation (resuming from `state_dir`), writes `output` (and the plot) and returns
/// the report (docs/validation.md).
nlohmann::json run_validation(const ValidationOptions& options);

/// One progress line of `tiersplit validate` (splits and groups alike) on stderr, "validate: "
/// prefixed.
void validate_say(const std::string& line);

/// Draws predicted and measured iteration time against the split, one panel per point and
/// tenant, choice marked, into `png` (gnuplot).
void write_validation_plot(const nlohmann::json& report, const std::string& png);

}  // namespace tiersplit::real_exec
