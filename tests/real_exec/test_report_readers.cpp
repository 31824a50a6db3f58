// test_report_readers.cpp: the files of real runs read back — a calibration.json reused by
// validate and the reports validation-table summarises — refuse damage with one clear line.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "real_exec/calibration_file.hpp"
#include "real_exec/validation_table.hpp"

using namespace tiersplit::real_exec;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json good_calibration() {
  return {{"testbed", {{"bandwidth_bytes_per_s", 1.25e8}}},
          {"platform", {{"network", {{"bandwidth", "1Gbps"}}}}},
          {"measured", {{"link", {{"fit", {{"latency_s", 1e-4}}}}}}},
          {"dataset",
           {{"name", "fmnist-r64"},
            {"resolution", 64},
            {"per_object", 64},
            {"bytes_per_sample", 12304.0},
            {"target_train_samples", 6000},
            {"target_classes", 5}}},
          {"profiles",
           {{{"model", "alexnet"},
             {"storage", "profiles/s.json"},
             {"compute", "profiles/c.json"},
             {"storage_batches", {1, 8}}}}}};
}

std::string write(const std::string& name, const std::string& text) {
  fs::path p = fs::temp_directory_path() / ("tiersplit-readers-" + name);
  std::ofstream(p) << text;
  return p.string();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const tiersplit::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a calibration is read back, and a damaged one is named with its field") {
  const std::string ok = write("cal-ok.json", good_calibration().dump());
  CHECK(read_calibration(ok).at("dataset").at("per_object") == 64);

  json c = good_calibration();
  c["dataset"]["per_object"] = "sixty-four";
  std::string msg = error_of([&] { read_calibration(write("cal-bad.json", c.dump())); });
  CHECK(msg.find("/dataset/per_object") != std::string::npos);
  CHECK(msg.find("delete") != std::string::npos);

  c = good_calibration();
  c["profiles"][0].erase("compute");
  msg = error_of([&] { read_calibration(write("cal-bad2.json", c.dump())); });
  CHECK(msg.find("/profiles/0") != std::string::npos);

  msg = error_of([&] { read_calibration(write("cal-trunc.json", "{\"testbed\": {")); });
  CHECK(msg.find("cal-trunc.json") != std::string::npos);
}

TEST_CASE("validation-table renders a shipped report and names a damaged one") {
  const std::string shipped =
      std::string(TIERSPLIT_SOURCE_DIR) + "/docs/validation/three-tenants-r64.json";
  std::string table = validation_table({shipped});
  CHECK(table.find("| validate-three-tenants-r64 |") != std::string::npos);
  CHECK(table.find("measured configurations") != std::string::npos);

  std::string msg = error_of([&] { validation_table({write("not-report.json", "[1, 2]")}); });
  CHECK(msg.find("/format") != std::string::npos);
  // A "format" that is not a string was a type error escaping as an internal error
  // (fuzz_validation found it).
  msg = error_of([&] { validation_table({write("format-array.json", R"({"format": [1]})")}); });
  CHECK(msg.find("/format: not a validation report") != std::string::npos);

  json r = {{"format", "tiersplit-validation"},
            {"settings", json::object()},
            {"points", {{{"tenants", {{{"name", "a"}}}}}}}};
  msg = error_of([&] { validation_table({write("damaged.json", r.dump())}); });
  CHECK(msg.find("damaged.json") != std::string::npos);
  CHECK(msg.find("not found") != std::string::npos);
  CHECK(msg.find("json.exception") == std::string::npos);
}
