// calibration_file.cpp: reading back a calibration.json with the fields validate uses checked.
#include "real_exec/calibration_file.hpp"

#include "common/error.hpp"
#include "common/json_reader.hpp"

namespace tiersplit::real_exec {

namespace {

void require_object(const JsonView& parent, const char* key) {
  if (!parent.at(key).is_object()) parent.fail_at(key, "must be an object");
}

void check_profile(const JsonView& p) {
  p.string("model");
  p.string("storage");
  p.string("compute");
  if (p.integers("storage_batches").empty())
    p.fail_at("storage_batches", "must list at least one batch");
}

void check_calibration(const JsonView& root) {
  if (!root.is_object()) root.fail_here("must be a JSON object (a calibration.json)");
  require_object(root, "testbed");
  require_object(root, "platform");
  require_object(root, "measured");
  require_object(root.at("measured"), "link");
  require_object(root.at("measured").at("link"), "fit");
  JsonView ds = root.at("dataset");
  ds.string("name");
  for (const char* key : {"resolution", "per_object", "target_train_samples", "target_classes"})
    if (ds.integer(key) < 1) ds.fail_at(key, "must be >= 1");
  if (!(ds.number("bytes_per_sample") > 0)) ds.fail_at("bytes_per_sample", "must be > 0");
  JsonView profiles = root.at("profiles");
  if (profiles.size() == 0) profiles.fail_here("lists no profile");
  for (std::size_t i = 0; i < profiles.size(); ++i) check_profile(profiles.at(i));
}

}  // namespace

nlohmann::json read_calibration(const std::string& file) {
  try {
    JsonView root = load_json_file(file);
    check_calibration(root);
    return root.raw();
  } catch (const Error& e) {
    fail(e.what(), " (delete ", file, " to calibrate again)");
  }
}

}  // namespace tiersplit::real_exec
