// storage_service.hpp: the storage tier as a groups run uses it — the pushdown server serving
// P workers' concurrent streams — measured at calibration and around every run, and applied to
// the calibrated scenario the predictions come from.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace tiersplit::real_exec::groups {

/// What a storage-service measurement needs: the server, the calibration's data set and model.
struct StorageServiceProbe {
  std::string state_dir;       ///< the testbed's (the streams run on its compute tier)
  std::string server_url;      ///< as the compute tier reaches it
  nlohmann::json calibration;  ///< tiersplit calibrate's document (data set, model, batch)
  int64_t storage_batch = 16;
  int streams = 4;        ///< workers x prefetch: the requests a run keeps in flight
  double duration_s = 5;  ///< at least this long [s]
};

/// The server under `p.streams` concurrent streams of pushdowns over the shaped link
/// (calibrate-link --part server-load on the compute tier): server_load.hpp's figures. Kept in
/// `file` (a file that exists is read, not measured again).
nlohmann::json measure_storage_service(const StorageServiceProbe& p, const std::string& file);

/// How much slower the storage tier ran the pushdowns' blocks in `now` than in `reference`
/// (both measure_storage_service): the ratio of their CPU time per sample (1.1: 10 % slower).
double pushdown_slowdown(const nlohmann::json& now, const nlohmann::json& reference);

/// The calibrated scenario's storage side as the service measured it: the storage profile's
/// blocks [0, f) scaled so that blocks [0, f) at the measured storage batch take the measured CPU
/// time per sample (written to `scaled_profile`, which the scenario then names), and the request
/// overhead per object read raised to the time other work took the core from the blocks per
/// object read (the store's reads, the server's decoding and sending for other streams), when
/// that is more. Returns what was applied: {"blocks_factor", "request_overhead_s", ...}.
nlohmann::json apply_storage_service(nlohmann::json& scenario, const nlohmann::json& service,
                                     const std::string& scaled_profile);

}  // namespace tiersplit::real_exec::groups
