// server_load.hpp: the pushdown server under a run's load — concurrent streams of pushdowns, as
// P workers with prefetch send them — timed from the server's own headers (calibrate-link's part
// "server-load").
#pragma once

#include <nlohmann/json.hpp>

#include "real_exec/link_calibration.hpp"

namespace tiersplit::real_exec {

/// `options.load_streams` threads, each sending pushdowns back to back for at least
/// `options.load_duration_s` (and `options.server_repeats` requests): B samples from the middle
/// of one object to the middle of the next (two objects read, as a worker's mini-batch mostly
/// straddles two), blocks [0, f) at the first storage batch. Returns {"streams", "requests",
/// "samples", "objects", "elapsed_s", "block_s" and "block_cpu_s" (sums over the requests: the
/// blocks' wall time on the server and their CPU time on its thread), "block_s_per_sample",
/// "block_cpu_s_per_sample", "preempted_s_per_object" ((block_s - block_cpu_s) / objects: what
/// else the storage tier's core ran while the blocks waited for it: the store's reads, the
/// server's decoding and sending, for other streams), "storage_batch", "split"}.
nlohmann::json measure_server_load(const LinkCalibrationOptions& options);

}  // namespace tiersplit::real_exec
