// profile.hpp: the per-block profile of one model on one device (format "tiersplit-profile", v1).
// No LibTorch here: the simulator and optimizer read profiles without linking the profiler.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/json_reader.hpp"

namespace tiersplit::profiles {

inline constexpr int kProfileFormatVersion = 1;
inline constexpr const char* kProfileFormatName = "tiersplit-profile";

/// t(b) = alpha + beta * b, fitted by least squares on relative residuals over the measured
/// batches.
struct TimeFit {
  double alpha_s = 0;            ///< fixed cost per call [s]
  double beta_s_per_sample = 0;  ///< cost per sample [s]
  double rel_rmse = 0;           ///< RMS of relative residuals (fit - measured) / measured
  double at(int64_t batch) const {
    return alpha_s + beta_s_per_sample * static_cast<double>(batch);
  }
};

/// One measured batch size of one block.
struct TimingPoint {
  int64_t batch = 0;
  double median_s = 0;  ///< median over repeats [s]
  double spread = 0;    ///< relative inter-quartile range: (q3 - q1) / median
  int repeats = 0;
};

/// The time model used for predictions. Per-sample cost is not constant on real CPUs: it jumps
/// when batch x activation size leaves the last-level cache, which a single line alpha + beta b
/// cannot follow (its error is reported as TimeFit::rel_rmse). So: exact at measured batch sizes,
/// linear between neighbouring ones, and outside the measured range proportional to the batch at
/// the nearest measured point's per-sample cost.
double interpolate_time(const std::vector<TimingPoint>& points, int64_t batch);

/// How far beyond its largest measured batch the time model is used without asking: a batch up
/// to this many times the largest measured one. docs/profile-format.md states the error measured
/// there (fit on batches <= 64, predicted at 128 and 256: within about 25 % at 2x, up to
/// -67 % at 4x); beyond, scenarios need
/// /simulation/allow_extrapolation.
inline constexpr int64_t kDocumentedExtrapolation = 2;

/// Everything known about one block: static metadata and measured (or derived) times.
struct BlockProfile {
  int64_t index = 0;
  std::string name;                     ///< "layer3_2"
  std::string kind;                     ///< models::block_kind_name(), e.g. "residual"
  std::vector<int64_t> output_shape;    ///< per sample, e.g. {1024, 14, 14}
  int64_t output_bytes_per_sample = 0;  ///< fp32
  int64_t parameters = 0;
  int64_t parameter_bytes = 0;
  int64_t flops_per_sample = 0;                  ///< forward, 2 x multiply-adds
  int64_t peak_activation_bytes_per_sample = 0;  ///< inference: input + transient peak
  std::vector<TimingPoint> forward;              ///< eval mode, no grad
  TimeFit forward_fit;
  std::vector<TimingPoint> train;  ///< forward + backward; trainable blocks only
  TimeFit train_fit;

  /// Forward time at `batch` [s] from the time model: see interpolate_time().
  double forward_time(int64_t batch) const { return interpolate_time(forward, batch); }
  /// Forward+backward time at `batch` [s]; 0 for blocks without training measurements.
  double train_time(int64_t batch) const {
    return train.empty() ? 0.0 : interpolate_time(train, batch);
  }
};

/// Where the numbers come from.
struct DeviceInfo {
  std::string kind = "measured";  ///< "measured" or "derived"
  std::string name;               ///< "this-machine" or an analytic device name ("nvidia-t4")
  std::string cpu_model;          ///< from /proc/cpuinfo (measured) or the source's (derived)
  int threads = 1;                ///< intra-op threads used for measuring
  std::string libtorch_version;
  std::string date;               ///< ISO 8601 UTC
  double peak_flops = 0;          ///< FLOP/s: measured GEMM rate, or the device sheet's
  double memory_bandwidth = 0;    ///< B/s: measured copy rate, or the device sheet's
  double memory_bytes = 0;        ///< B
  std::string derived_from;       ///< derived profiles: source device name and date
  double load_average_start = 0;  ///< 1-minute load average when measuring began / ended: a
  double load_average_end = 0;    ///< busy machine makes times longer and spreads wider
};

/// How the measurements were taken.
struct MeasureSettings {
  int warmup = 1;  ///< untimed runs per (block, batch)
  int min_repeats = 5;
  int max_repeats = 30;
  double target_spread = 0.05;  ///< stop repeating once relative IQR is below this
  double max_seconds_per_point = 10.0;
};

/// A profile of one model at one resolution on one device.
struct Profile {
  int version = kProfileFormatVersion;
  std::string model;
  int64_t resolution = 224;
  int64_t num_classes = 1000;
  int64_t freeze_index = 0;            ///< default freeze index the train times refer to
  std::vector<int64_t> input_shape;    ///< per sample, {3, R, R}
  int64_t input_bytes_per_sample = 0;  ///< fp32
  std::vector<int64_t> batch_sizes;    ///< measured batch sizes, ascending
  DeviceInfo device;
  MeasureSettings settings;
  std::vector<BlockProfile> blocks;

  int64_t num_blocks() const { return static_cast<int64_t>(blocks.size()); }
  /// Bytes per sample crossing split s (s = 0: the input; s = L: the model output).
  int64_t split_bytes_per_sample(int64_t s) const;
  /// Sum of forward times of blocks [begin, end) at `batch` [s].
  double forward_time(int64_t begin, int64_t end, int64_t batch) const;
  /// Sum of forward+backward times of blocks [begin, end) at `batch` [s].
  double train_time(int64_t begin, int64_t end, int64_t batch) const;
  /// Parameter bytes of blocks [begin, end).
  int64_t parameter_bytes(int64_t begin, int64_t end) const;
  /// Largest peak activation per sample among blocks [begin, end).
  int64_t peak_activation_bytes(int64_t begin, int64_t end) const;
};

nlohmann::json to_json(const Profile& p);
/// Parses and validates a profile; errors name the file and JSON path (e.g. "/blocks/3/forward").
Profile profile_from_json(const JsonView& root);
Profile load_profile(const std::string& file);
void save_profile(const std::string& file, const Profile& p);

/// Fits t(b) = alpha + beta b by weighted least squares (Eigen); one point gives alpha = 0.
TimeFit fit_time_model(const std::vector<TimingPoint>& points);

}  // namespace tiersplit::profiles
