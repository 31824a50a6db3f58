// calibration_file.hpp: reading back a calibration.json (`tiersplit calibrate`) with every field
// validate uses checked, so a damaged or hand-edited file gives one clear line.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace tiersplit::real_exec {

/// Reads `file` and checks the fields `validate` reuses: "testbed", "platform" and "measured"
/// (objects, "measured/link/fit" included), "dataset" (name, resolution, per_object,
/// bytes_per_sample, target_train_samples, target_classes) and "profiles" (model, storage and
/// compute profile files, storage_batches). Anything wrong throws tiersplit::Error naming the
/// file and the JSON path, with the advice to delete the file to calibrate again.
nlohmann::json read_calibration(const std::string& file);

}  // namespace tiersplit::real_exec
