// calibrate.hpp: `tiersplit calibrate` — measure the deployed two-tier setting (profiles per
// tier, the link, the server's overheads) and write it as a scenario platform the simulator uses.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/subprocess.hpp"
#include "real_exec/testbed.hpp"
#include "real_exec/tier_jobs.hpp"

namespace tiersplit::real_exec {

inline constexpr const char* kCalibrationFormatName = "tiersplit-calibration";
inline constexpr int kCalibrationFormatVersion = 1;

/// Where and what to calibrate. Defaults are those of the one-machine testbed.
struct CalibrateOptions {
  TestbedOptions testbed;        ///< bandwidth, delay, mode, threads per tier, state folder
  bool bring_up_testbed = true;  ///< false: use the testbed that is already up
  std::string store = "swift://127.0.0.1:18080/tiersplit";  ///< object store URL
  std::string dataset;     ///< data set name in the store (default: see dataset_name())
  int64_t per_object = 0;  ///< samples per stored object (0: the training batch)
  std::vector<std::string> models{"resnet18"};  ///< models to profile on both tiers
  int64_t resolution = 64;                      ///< input side [px]
  int64_t batch = 32;                           ///< training batch B
  std::vector<int64_t> storage_batches;         ///< storage batches to profile (default 1,2,4,..,B)
  std::string dir = "calibration";  ///< output folder (profiles, logs, calibration.json)
  int port = 8471;                  ///< the calibration server's port
  bool allow_busy = false;          ///< measure even if the tiers' cores are busy
  bool quiet = false;               ///< no progress lines on stderr
};

/// The default data set name for a resolution and object size: "fashion-mnist-r64-o32".
std::string dataset_name(int64_t resolution, int64_t per_object);

/// Fails with what to do when a core of either tier (the testbed state's "storage_cores" and
/// "compute_cores", e.g. "0-3") spent more than 30 % of a one-second sample busy with other work
/// (timings taken there would not be the tiers' own).
void check_cores_idle(const nlohmann::json& testbed);

/// Makes sure `dataset` exists in `store` at this resolution with at least `min_samples` target
/// training samples; imports Fashion-MNIST (Debian's package) otherwise. Returns the manifest.
nlohmann::json ensure_dataset(const std::string& store, const std::string& dataset,
                              int64_t resolution, int64_t per_object, int64_t min_samples,
                              bool quiet);

/// The pushdown server running on the storage tier; stopped when this goes away.
struct TierServer {
  ChildProcess process;
  std::string url;  ///< as the compute tier reaches it
  std::string log;
};
/// Starts `tiersplit serve` on the storage tier and waits until it answers from the compute
/// tier (up to 90 s); fails with the log's last lines if it exits or never answers.
/// `compute_slots` > 0: `serve --compute-slots` (requests running their blocks at once).
TierServer start_tier_server(const std::string& state_dir, const std::string& store, int port,
                             int threads, const std::string& log_file, int compute_slots = 0);

/// Profiles of `model` as deployed: storage side (forward only, the storage batches) and compute
/// side (forward and training at B), measured at the same time on their own tiers. Keeps files
/// that exist. Returns {"storage": file, "compute": file}.
nlohmann::json profile_tiers(const std::string& state_dir, const std::string& model,
                             int64_t resolution, int64_t num_classes, int64_t batch,
                             const std::vector<int64_t>& storage_batches, int threads,
                             const std::string& dir, bool quiet);

/// Copies the profile files (*.json) of `from` that `to` lacks (creating both folders):
/// profiles do not depend on the link, so calibrations at several bandwidths share them.
void sync_profiles(const std::filesystem::path& from, const std::filesystem::path& to);

/// The whole calibration: writes `dir`/calibration.json and returns it (see docs/validation.md).
nlohmann::json calibrate(const CalibrateOptions& options);

/// Two in-situ measurements of one part with the other tier idle (before and after the one at
/// work; "storage-blocks": "batches" of per-block spreads, "compute-steps": "splits" with
/// "step_s"), pooled: every median the mean of the two, counts added, and the relative IQR at
/// least the two medians' relative difference. The profiles the simulator gets are these: on a
/// machine whose speed drifts, the mean of a measurement before and one after is closer to the
/// runs that follow than either alone.
nlohmann::json pool_alone_measurements(const nlohmann::json& before, const nlohmann::json& after);

/// A scenario "network" object from the link probes of a calibration ({fit, after_idle}) and the
/// testbed's state: bandwidth and latency factors, and the shaper's bucket as "burst".
nlohmann::json calibrated_network(const nlohmann::json& testbed, const nlohmann::json& link);

/// A scenario "platform" object (docs/scenario-format.md) from a calibration's measurements.
nlohmann::json calibrated_platform(const nlohmann::json& testbed, const nlohmann::json& measured,
                                   double storage_memory_bytes);

}  // namespace tiersplit::real_exec
