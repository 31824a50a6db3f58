// derive.cpp: roofline scaling of a measured profile to an analytic device.
#include "profiles/derive.hpp"

#include <algorithm>
#include <filesystem>

#include "common/error.hpp"
#include "common/strings.hpp"

namespace tiersplit::profiles {

namespace {

/// Roofline time of one block at batch b [s].
double roofline(double flops_per_sample, double fixed_bytes, double bytes_per_sample, int64_t b,
                double peak_flops, double bandwidth) {
  double bd = static_cast<double>(b);
  return std::max(flops_per_sample * bd / peak_flops,
                  (fixed_bytes + bytes_per_sample * bd) / bandwidth);
}

}  // namespace

Profile derive_profile(const Profile& measured, const Device& target) {
  if (measured.device.kind != "measured") {
    fail(measured.model, ": can only derive from a measured profile (this one is derived from ",
         measured.device.derived_from, ")");
  }
  if (measured.device.peak_flops <= 0 || measured.device.memory_bandwidth <= 0) {
    fail(measured.model, ": the measured profile lacks the device's peak_flops/memory_bandwidth");
  }
  Profile out = measured;
  const double src_flops = measured.device.peak_flops;  // measured GEMM rate: already effective
  const double src_bw = measured.device.memory_bandwidth;
  const double dst_flops = target.peak_flops * target.efficiency;
  const double dst_bw = target.memory_bandwidth * target.efficiency;
  auto scale = [&](std::vector<TimingPoint>& pts, const BlockProfile& b, int64_t in_bytes,
                   double work) {
    double per_sample_bytes = static_cast<double>(in_bytes + b.output_bytes_per_sample);
    double flops = static_cast<double>(b.flops_per_sample) * work;
    for (auto& p : pts) {
      double src = roofline(flops, static_cast<double>(b.parameter_bytes), per_sample_bytes,
                            p.batch, src_flops, src_bw);
      double dst = roofline(flops, static_cast<double>(b.parameter_bytes), per_sample_bytes,
                            p.batch, dst_flops, dst_bw);
      double ratio = src > 0 ? dst / src : 1.0;
      p.median_s = p.median_s * ratio + target.per_block_overhead_s * work;
    }
  };
  for (auto& b : out.blocks) {
    int64_t in_bytes = measured.split_bytes_per_sample(b.index);
    scale(b.forward, b, in_bytes, 1.0);
    b.forward_fit = fit_time_model(b.forward);
    if (!b.train.empty()) {
      scale(b.train, b, in_bytes, 3.0);  // forward + backward ~ 3x the forward work
      b.train_fit = fit_time_model(b.train);
    }
  }
  out.device.kind = "derived";
  out.device.derived_from = measured.device.name + " (" + measured.device.cpu_model + ", " +
                            std::to_string(measured.device.threads) + " threads, " +
                            measured.device.date + ")";
  out.device.name = target.name;
  out.device.cpu_model = target.description;
  out.device.peak_flops = target.peak_flops;
  out.device.memory_bandwidth = target.memory_bandwidth;
  out.device.memory_bytes = target.memory_bytes;
  return out;
}

namespace {
/// profiles/data/<model>-r<resolution>.json under the data directory.
std::filesystem::path shipped_profile_file(const std::string& model, int64_t resolution) {
  return std::filesystem::path(data_dir()) / "data" /
         (model + "-r" + std::to_string(resolution) + ".json");
}
}  // namespace

std::string find_shipped_profile(const std::string& model, int64_t resolution) {
  std::filesystem::path file = shipped_profile_file(model, resolution);
  std::error_code ec;  // a name too long for a path is simply not shipped
  return std::filesystem::exists(file, ec) ? file.string() : std::string();
}

std::string shipped_profile_path(const std::string& model, int64_t resolution) {
  namespace fs = std::filesystem;
  std::string found = find_shipped_profile(model, resolution);
  if (!found.empty()) return found;
  fs::path file = shipped_profile_file(model, resolution);
  fs::path dir = file.parent_path();
  std::vector<std::string> shipped;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".json") shipped.push_back(e.path().stem().string());
  }
  std::sort(shipped.begin(), shipped.end());
  fail("no shipped profile for model '", model, "' at resolution ", resolution, " (", file.string(),
       "); shipped: ", shipped.empty() ? "none" : join(shipped, ", "),
       ". Measure one with: tiersplit profile --model ", model, " --input ", resolution,
       " -o FILE");
}

}  // namespace tiersplit::profiles
