// speed_probe.hpp: the machine-speed probe — a fixed amount of LibTorch work timed on one tier's
// cores, so that a run can be compared with the calibration it is predicted from.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace tiersplit::real_exec {

/// The probe's work, in two parts (one intra-op thread). Compute: chunks of 256x256 float matrix
/// products, which stay in cache (the kernels the models' linear and convolution layers spend
/// their time in). Memory: chunks of y += a x over float tensors far larger than the caches (the
/// regime of a large layer's weight update, such as AlexNet's 151 MB fc6), which a host's other
/// tenants could slow down by sharing its memory bandwidth while leaving the compute part as it
/// was; recorded with every probe, so that runs can be checked against it.
struct SpeedProbeOptions {
  int chunks = 24;                  ///< timed compute chunks (after one untimed)
  int products_per_chunk = 40;      ///< 256x256x256 products per chunk (about 15-25 ms each here)
  int stream_chunks = 12;           ///< timed memory chunks (after one untimed); 0: no memory part
  int stream_passes_per_chunk = 4;  ///< y += a x passes per memory chunk (about 30 ms here)
  int64_t stream_mib = 64;          ///< size of x and of y [MiB]
};

/// {"chunk_s": spread of the compute chunk times [s], "work": what one chunk does,
/// "stream_chunk_s" and "stream_work": the same for the memory part}. A machine that is slower
/// (shared host, frequency change, memory bandwidth taken by others) gives longer chunks.
nlohmann::json measure_machine_speed(const SpeedProbeOptions& o = {});

/// How much slower the machine was at `probe_now` than at `probe_reference` (both from
/// measure_machine_speed): the ratio of their median compute chunk times (1.2: 20 % slower).
/// The memory part is recorded beside it but decides nothing yet: on this testbed its median
/// varied by +-10 % from probe to probe while AlexNet's step stayed within 4 %
/// (docs/validation.md, "Findings"). Fails naming `what` if either lacks "chunk_s".
double machine_slowdown(const nlohmann::json& probe_now, const nlohmann::json& probe_reference,
                        const std::string& what);

/// The probe on both tiers of the testbed at once (`calibrate-link --part speed`, which needs a
/// server URL it does not use): files <prefix>-storage.json and <prefix>-compute.json (kept if
/// they exist). Returns {"storage": probe, "compute": probe}.
nlohmann::json probe_tiers(const std::string& state_dir, const std::string& server_url,
                           const std::string& prefix);

/// The machine speed a calibration recorded ("measured"/"speed", speed_reference's form), or
/// null for a calibration without one.
nlohmann::json calibrated_speed(const nlohmann::json& calibration);

/// probe_tiers measured now: earlier files of `prefix` are removed first.
nlohmann::json probe_tiers_fresh(const std::string& state_dir, const std::string& server_url,
                                 const std::string& prefix);

/// Before a run: probes both tiers (probe_tiers_fresh) every 3 s until neither is slower than
/// `reference` (speed_reference's form) by more than `tolerance` (0.05: 5 %), or `wait_s` has
/// passed; `say` gets a line when the wait starts and when it ends. Returns the last probe and
/// the time waited [s].
std::pair<nlohmann::json, double> probe_until_calm(
    const std::string& state_dir, const std::string& server_url, const std::string& prefix,
    const nlohmann::json& reference, double tolerance, double wait_s,
    const std::function<void(const std::string&)>& say);

/// The reference a run is compared with: per tier, the mean of the median chunk times of
/// `before` and `after` (two probe_tiers results) as {"chunk_s": {"median": ...}}, with both.
nlohmann::json speed_reference(const nlohmann::json& before, const nlohmann::json& after);

/// A run's machine speed against `reference` (speed_reference): {"storage_slowdown",
/// "compute_slowdown"} (per tier, the mean of the two probes' median chunk times over the
/// reference's; 1.1: the machine was 10 % slower around the run than at calibration) with the
/// probes "before" and "after" and `waited_s`, the time spent waiting for a calm machine.
nlohmann::json run_machine_speed(const nlohmann::json& before, const nlohmann::json& after,
                                 const nlohmann::json& reference, double waited_s);

/// Several runs' run_machine_speed results pooled: mean slowdowns per tier, total wait, count.
nlohmann::json pool_machine_speeds(const std::vector<nlohmann::json>& speeds);

/// Whether a machine speed (run_machine_speed, or pool_machine_speeds over a configuration's
/// runs) shows either tier slower than at calibration by more than `tolerance`: not "calm". A
/// "pushdown_slowdown" beside them (the storage tier's own blocks, groups validation) counts too.
bool machine_unsettled(const nlohmann::json& speed, double tolerance);

/// The largest per-tier slowdown of one probe_tiers result against `reference`.
double worst_slowdown(const nlohmann::json& probe, const nlohmann::json& reference);

}  // namespace tiersplit::real_exec
