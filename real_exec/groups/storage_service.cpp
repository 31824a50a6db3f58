// storage_service.cpp: the storage tier under a groups run's load (see storage_service.hpp).
#include "real_exec/groups/storage_service.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "common/table.hpp"
#include "common/units.hpp"
#include "profiles/profile.hpp"
#include "real_exec/tier_jobs.hpp"

namespace tiersplit::real_exec::groups {

namespace fs = std::filesystem;

nlohmann::json measure_storage_service(const StorageServiceProbe& p, const std::string& file) {
  if (!fs::exists(file)) {
    const auto& c = p.calibration;
    const auto& profile = c.at("profiles").at(0);
    const std::vector<std::string> args = {"calibrate-link",
                                           "--server",
                                           p.server_url,
                                           "--dataset",
                                           c.at("dataset").at("name").get<std::string>(),
                                           "--model",
                                           profile.at("model").get<std::string>(),
                                           "--resolution",
                                           std::to_string(profile.at("resolution").get<int64_t>()),
                                           "--batch",
                                           std::to_string(profile.at("batch").get<int64_t>()),
                                           "--classes",
                                           std::to_string(profile.at("num_classes").get<int64_t>()),
                                           "--storage-batches",
                                           std::to_string(p.storage_batch),
                                           "--part",
                                           "server-load",
                                           "--streams",
                                           std::to_string(p.streams),
                                           "--server-repeats",
                                           "2",
                                           "--duration",
                                           fmt("%g", p.duration_s)};
    run_tier_jobs_alone(p.state_dir, {{"compute", args, file}}, "the storage tier under load");
  }
  return load_json_file(file).raw();
}

double pushdown_slowdown(const nlohmann::json& now, const nlohmann::json& reference) {
  const double a = now.at("block_cpu_s_per_sample").get<double>();
  const double b = reference.at("block_cpu_s_per_sample").get<double>();
  if (!(a > 0) || !(b > 0)) fail("storage service: a measurement without blocks' CPU time");
  return a / b;
}

nlohmann::json apply_storage_service(nlohmann::json& scenario, const nlohmann::json& service,
                                     const std::string& scaled_profile) {
  nlohmann::json& g = scenario.at("workload").at("groups");
  profiles::Profile p = profiles::load_profile(g.at("storage_profile").get<std::string>());
  const int64_t f = service.at("split").get<int64_t>();
  const int64_t b = service.at("storage_batch").get<int64_t>();
  const double alone = p.forward_time(0, f, b) / static_cast<double>(b);
  if (!(alone > 0)) fail("storage service: the storage profile has no time for blocks [0, f)");
  const double factor = service.at("block_cpu_s_per_sample").get<double>() / alone;
  for (int64_t i = 0; i < f && i < p.num_blocks(); ++i)
    for (auto& pt : p.blocks[static_cast<std::size_t>(i)].forward) pt.median_s *= factor;
  p.device.derived_from += "; blocks [0," + std::to_string(f) + ") scaled by " +
                           fmt("%.3f", factor) +
                           " to the server's CPU time per sample under a run's load";
  profiles::save_profile(scaled_profile, p);
  g["storage_profile"] = scaled_profile;
  nlohmann::json& st = scenario.at("platform").at("storage");
  const double calibrated =
      parse_quantity(st.value("request_overhead", std::string("0us")), Dimension::kDuration);
  const double preempted = service.at("preempted_s_per_object").get<double>();
  const double overhead = std::max(calibrated, preempted);
  st["request_overhead"] = fmt("%.3fus", overhead * 1e6);
  return {{"blocks_alone_s_per_sample", alone},
          {"blocks_factor", factor},
          {"request_overhead_calibrated_s", calibrated},
          {"request_overhead_s", overhead}};
}

}  // namespace tiersplit::real_exec::groups
