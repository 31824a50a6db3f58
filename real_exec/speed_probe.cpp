// speed_probe.cpp: the machine-speed probe (see speed_probe.hpp).
#include "real_exec/speed_probe.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "common/json_reader.hpp"
#include "common/stats.hpp"
#include "common/table.hpp"
#include "real_exec/link_calibration.hpp"
#include "real_exec/tier_jobs.hpp"

namespace tiersplit::real_exec {

namespace {

/// The spread of the times of `chunks` timed repetitions of `chunk` (after one untimed: first
/// touch, kernel selection).
Spread time_chunks(int chunks, const std::function<void()>& chunk) {
  std::vector<double> t;
  for (int k = -1; k < chunks; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    chunk();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (k >= 0) t.push_back(s);
  }
  return spread_of(t);
}

}  // namespace

nlohmann::json measure_machine_speed(const SpeedProbeOptions& o) {
  if (o.chunks < 1 || o.products_per_chunk < 1)
    fail("speed probe: chunks and products per chunk must be >= 1");
  if (o.stream_chunks < 0 || o.stream_passes_per_chunk < 1 || o.stream_mib < 1)
    fail("speed probe: memory chunks must be >= 0, passes per chunk and MiB >= 1");
  torch::NoGradGuard no_grad;
  torch::manual_seed(7);
  const torch::Tensor a = torch::randn({256, 256}), b = torch::randn({256, 256});
  torch::Tensor c = torch::empty({256, 256});
  const std::string threads = std::to_string(torch::get_num_threads()) + " thread(s)";
  const auto products = [&] {
    for (int i = 0; i < o.products_per_chunk; ++i) torch::mm_out(c, a, b);
  };
  nlohmann::json out = {{"chunk_s", to_json(time_chunks(o.chunks, products))},
                        {"work", std::to_string(o.products_per_chunk) +
                                     " products of 256x256 float matrices per chunk, " + threads}};
  if (o.stream_chunks > 0) {
    const int64_t n = o.stream_mib * (int64_t{1} << 20) / static_cast<int64_t>(sizeof(float));
    const torch::Tensor x = torch::rand({n});
    torch::Tensor y = torch::zeros({n});
    out["stream_chunk_s"] = to_json(time_chunks(o.stream_chunks, [&] {
      for (int i = 0; i < o.stream_passes_per_chunk; ++i) y.add_(x, 1e-3);
    }));
    out["stream_work"] = std::to_string(o.stream_passes_per_chunk) + " passes of y += a x over " +
                         std::to_string(o.stream_mib) + " MiB float tensors per chunk, " + threads;
  }
  return out;
}

double machine_slowdown(const nlohmann::json& probe_now, const nlohmann::json& probe_reference,
                        const std::string& what) {
  auto median = [&](const nlohmann::json& p) {
    if (!p.is_object() || !p.contains("chunk_s") || !p["chunk_s"].contains("median"))
      fail(what, ": a speed probe without \"chunk_s\".\"median\"");
    const double m = p["chunk_s"]["median"].get<double>();
    if (!(m > 0)) fail(what, ": a speed probe with a median chunk time of ", m, " s");
    return m;
  };
  return median(probe_now) / median(probe_reference);
}

nlohmann::json probe_tiers(const std::string& state_dir, const std::string& server_url,
                           const std::string& prefix) {
  const std::vector<std::string> args{"calibrate-link", "--server", server_url, "--part", "speed"};
  const TierJob storage{"storage", args, prefix + "-storage.json"};
  const TierJob compute{"compute", args, prefix + "-compute.json"};
  run_tier_jobs_together(state_dir, {storage, compute}, "the machine-speed probe");
  return {{"storage", load_json_file(storage.file).raw()},
          {"compute", load_json_file(compute.file).raw()}};
}

nlohmann::json speed_reference(const nlohmann::json& before, const nlohmann::json& after) {
  nlohmann::json out = nlohmann::json::object();
  for (const char* tier : {"storage", "compute"}) {
    const double b = before.at(tier).at("chunk_s").at("median").get<double>();
    const double a = after.at(tier).at("chunk_s").at("median").get<double>();
    out[tier] = {{"chunk_s", {{"median", 0.5 * (a + b)}}},
                 {"before", before.at(tier)},
                 {"after", after.at(tier)}};
  }
  return out;
}

nlohmann::json run_machine_speed(const nlohmann::json& before, const nlohmann::json& after,
                                 const nlohmann::json& reference, double waited_s) {
  const nlohmann::json around = speed_reference(before, after);
  nlohmann::json out = {{"before", before}, {"after", after}, {"waited_s", waited_s}};
  for (const std::string tier : {"storage", "compute"})
    out[tier + "_slowdown"] =
        machine_slowdown(around.at(tier), reference.at(tier), "the " + tier + " tier's speed");
  return out;
}

bool machine_unsettled(const nlohmann::json& speed, double tolerance) {
  const double worst =
      std::max({speed.at("storage_slowdown").get<double>(),
                speed.at("compute_slowdown").get<double>(), speed.value("pushdown_slowdown", 1.0)});
  return worst > 1 + tolerance;
}

nlohmann::json pool_machine_speeds(const std::vector<nlohmann::json>& speeds) {
  double storage = 0, compute = 0, waited = 0, pushdown = 0;
  int pushdowns = 0;
  for (const auto& s : speeds) {
    storage += s.at("storage_slowdown").get<double>();
    compute += s.at("compute_slowdown").get<double>();
    waited += s.value("waited_s", 0.0);
    if (s.contains("pushdown_slowdown")) {
      pushdown += s.at("pushdown_slowdown").get<double>();
      ++pushdowns;
    }
  }
  const double n = static_cast<double>(speeds.size());
  nlohmann::json out = {{"storage_slowdown", n > 0 ? storage / n : 1.0},
                        {"compute_slowdown", n > 0 ? compute / n : 1.0},
                        {"waited_s", waited},
                        {"runs", speeds.size()}};
  if (pushdowns > 0) out["pushdown_slowdown"] = pushdown / pushdowns;
  return out;
}

double worst_slowdown(const nlohmann::json& probe, const nlohmann::json& reference) {
  double worst = 0;
  for (const std::string tier : {"storage", "compute"})
    worst = std::max(worst, machine_slowdown(probe.at(tier), reference.at(tier),
                                             "the " + tier + " tier's speed"));
  return worst;
}

nlohmann::json calibrated_speed(const nlohmann::json& calibration) {
  const auto& m = calibration.at("measured");
  return m.contains("speed") && m["speed"].is_object() && m["speed"].contains("compute")
             ? m["speed"]
             : nlohmann::json();
}

nlohmann::json probe_tiers_fresh(const std::string& state_dir, const std::string& server_url,
                                 const std::string& prefix) {
  std::filesystem::remove(prefix + "-storage.json");
  std::filesystem::remove(prefix + "-compute.json");
  return probe_tiers(state_dir, server_url, prefix);
}

std::pair<nlohmann::json, double> probe_until_calm(
    const std::string& state_dir, const std::string& server_url, const std::string& prefix,
    const nlohmann::json& reference, double tolerance, double wait_s,
    const std::function<void(const std::string&)>& say) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int attempt = 0;; ++attempt) {
    nlohmann::json probe = probe_tiers_fresh(state_dir, server_url, prefix);
    const double worst = worst_slowdown(probe, reference);
    const double waited =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (worst <= 1 + tolerance || waited >= wait_s) {
      if (attempt > 0) {
        say("  " +
            (worst <= 1 + tolerance ? std::string("calm again")
                                    : fmt("still x%.2f; running anyway", worst)) +
            fmt(" after %.0f s", waited));
      }
      return {probe, waited};
    }
    if (attempt == 0) {
      say(fmt("  the machine takes x%.2f", worst) +
          " the calibration's time for the speed probe; waiting up to " + fmt("%.0f s", wait_s) +
          " for it to calm down");
    }
    std::this_thread::sleep_for(std::chrono::seconds(3));
  }
}

}  // namespace tiersplit::real_exec
