// link_calibration.hpp: measure, from the compute tier, what the simulator needs to know about
// the real link and the pushdown server (fixed cost and bandwidth per transfer, server overheads).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/heap.hpp"
#include "common/stats.hpp"

namespace tiersplit::real_exec {

/// What `tiersplit calibrate` measures through a running server (run on the compute tier).
struct LinkCalibrationOptions {
  std::string server = "http://127.0.0.1:8470";  ///< pushdown server URL
  std::string token;                             ///< bearer token, if the server wants one
  double nominal_bandwidth = 0;  ///< shaped link rate [B/s]; sizes the probes (0: unknown)
  /// Largest probe: what the nominal bandwidth moves in this time [s] (clamped to 64 KiB..16 MiB).
  double largest_probe_s = 0.8;
  int repeats = 5;  ///< timed probes per size (after one untimed)
  /// After the back-to-back probes, `repeats` more of the second-largest size, each after the
  /// link idled this long [s]: a rate shaper's token bucket refills meanwhile and lets its
  /// depth through at once (0: skip). Long enough to refill a shaper that bursts one timer
  /// tick of data (4 ms at 250 Hz) or a few frames at 1 Mbit/s (24 ms), shorter than TCP's
  /// smallest retransmission timeout (200 ms), after which Linux restarts the congestion window
  /// (tcp_slow_start_after_idle), which the runs' idle gaps of milliseconds never do.
  double idle_probe_pause_s = 0.05;
  // Server overheads: pushdown requests shaped like the trainer's (one batch of B samples).
  std::string dataset = "fashion-mnist";
  std::string split_name = "target-train";
  std::string model = "resnet18";
  int64_t resolution = 32;
  int64_t batch = 32;       ///< B: samples per request
  int64_t num_classes = 5;  ///< classifier width the server builds
  int server_repeats = 7;   ///< requests per kind (different objects)
  /// "link" (probes and the compute tier's own decode: run on the compute tier), "server" (the
  /// server's per-request parts: run beside the server, off the shaped link, so large s = 1
  /// responses do not crawl over a slow one) or "all".
  std::string part = "all";
  /// "storage-blocks": the server's own per-block times at s = f for each of these storage
  /// batches (run beside the server). "compute-steps": the trainer's step (frozen forward
  /// [s, f), training [f, L), optimiser) at every split on the compute tier, no server.
  /// "speed": the machine-speed probe of speed_probe.hpp on the tier it runs on, no server.
  std::vector<int64_t> storage_batches{1, 2, 4, 8, 16, 32};
  int step_repeats = 7;  ///< timed steps per split (after one untimed)
  /// "compute-steps": heap faulted in before the first step [MiB] (0: none), as the trainer
  /// does (TrainOptions::heap_reserve_mib)
  int64_t heap_reserve_mib = kDefaultHeapReserveMiB;
  /// "storage-blocks": go on with further rounds over the storage batches until this long has
  /// passed since the start [s] (0: server_repeats rounds): keeps the storage tier at work for
  /// as long as a "compute-steps" beside it takes.
  double min_duration_s = 0;
  /// "compute-steps" and "storage-blocks": idle this long before each timed step or request [s]
  /// (0: back to back), as a tier does in a run while it waits for the other.
  double pause_s = 0;
  /// "server-load" (run on the compute tier, over the link): concurrent streams of pushdowns,
  /// as P workers with prefetch send them, for at least this long [s] (server_load.hpp).
  int load_streams = 4;
  double load_duration_s = 5;
};

/// Sizes probed: 1 KiB, x4 steps, up to the largest (see LinkCalibrationOptions).
std::vector<int64_t> probe_sizes(double nominal_bandwidth, double largest_probe_s);

/// Fits elapsed = fixed + bytes / bandwidth to (bytes, median elapsed) points: the bandwidth from
/// the least-squares slope of the large transfers (>= 1/16 of the largest), the fixed cost as the
/// median of what every size took beyond its bytes (>= 0); returns {"fixed_s",
/// "bandwidth_bytes_per_s", "rel_rmse" (relative residuals over all sizes), "method"}.
nlohmann::json fit_transfer_line(const std::vector<std::pair<double, double>>& bytes_seconds);

/// Runs the probes and the server-overhead requests; returns
/// {"link": {points, fit, link}, "server": {...per-request parts with spread...},
///  "compute": {"normalise_s_per_sample"}} (see docs/validation.md, "Calibration").
/// Errors (server unreachable, dataset missing) throw tiersplit::Error with what to do.
nlohmann::json measure_link_and_server(const LinkCalibrationOptions& options);

/// The in-situ measurements (parts "storage-blocks" and "compute-steps"), see above.
nlohmann::json measure_storage_blocks(const LinkCalibrationOptions& options);
nlohmann::json measure_compute_steps(const LinkCalibrationOptions& options);

using tiersplit::Spread;  // common/stats.hpp
using tiersplit::spread_of;
nlohmann::json to_json(const Spread& s);

}  // namespace tiersplit::real_exec
