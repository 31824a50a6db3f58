// profiler.cpp: per-block timing with warm-up, adaptive repeats and robust statistics.
#include "profiles/profiler.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>

#include "common/error.hpp"
#include "common/progress.hpp"
#include "common/stats.hpp"
#include "models/block_metadata.hpp"
#include "models/zoo.hpp"
#include "profiles/machine_info.hpp"

namespace tiersplit::profiles {

namespace {

using Clock = std::chrono::steady_clock;


/// Times `run` under the settings: warm-up, then repeats until the spread is small.
TimingPoint time_point(int64_t batch, const MeasureSettings& s, const std::function<void()>& run) {
  for (int i = 0; i < s.warmup; ++i) run();
  std::vector<double> samples;
  auto start = Clock::now();
  TimingPoint p;
  p.batch = batch;
  while (true) {
    auto t0 = Clock::now();
    run();
    samples.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    const Spread sp = spread_of(samples);
    double med = sp.median;
    double spread = sp.rel_iqr;
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    int n = static_cast<int>(samples.size());
    bool enough = n >= s.min_repeats && spread <= s.target_spread;
    bool out_of_budget = n >= s.max_repeats || (n >= 3 && elapsed >= s.max_seconds_per_point);
    if (enough || out_of_budget) {
      p.median_s = med;
      p.spread = spread;
      p.repeats = n;
      return p;
    }
  }
}

/// Batch norm in training mode needs more than one value per channel, so blocks with it are
/// not trained at batch 1 (nobody trains with batch 1 anyway).
bool has_batch_norm(torch::nn::Module& block) {
  for (const auto& m : block.modules()) {
    if (dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get())) return true;
  }
  return false;
}

/// Margin on a batch's projected peak memory before measuring it.
constexpr double kMemorySafety = 1.25;

}  // namespace

void validate_request(const ProfileRequest& r) {
  models::ModelOptions opts{r.num_classes, r.resolution};
  const auto& entry = models::find_model(r.model);  // unknown model -> Error with suggestion
  if (r.resolution < entry.min_resolution || r.resolution % entry.resolution_multiple != 0) {
    models::build_model(r.model, opts);  // throws the precise message
  }
  if (r.num_classes < 1) fail("--classes ", r.num_classes, " must be at least 1");
  if (r.batch_sizes.empty()) fail("--batch needs at least one batch size");
  for (std::size_t i = 0; i < r.batch_sizes.size(); ++i) {
    if (r.batch_sizes[i] < 1) fail("--batch: batch size ", r.batch_sizes[i], " must be at least 1");
    if (i > 0 && r.batch_sizes[i] <= r.batch_sizes[i - 1]) {
      fail("--batch: batch sizes must be strictly increasing (", r.batch_sizes[i - 1], " then ",
           r.batch_sizes[i], ")");
    }
  }
  if (r.measure_train && r.batch_sizes.back() < 2) {
    fail("--batch: training measurements need a batch size of at least 2 (or use --no-train)");
  }
  if (r.threads < 1 || r.threads > 1024) fail("--threads ", r.threads, " must be in [1,1024]");
  const auto& s = r.settings;
  if (s.warmup < 0 || s.min_repeats < 1 || s.max_repeats < s.min_repeats) {
    fail("measurement settings: need warmup >= 0 and 1 <= min_repeats <= max_repeats");
  }
}

Profile measure_profile(const ProfileRequest& r) {
  validate_request(r);
  torch::set_num_threads(r.threads);
  torch::manual_seed(0);
  models::ModelOptions opts{r.num_classes, r.resolution};
  models::BlockModel model = models::build_model(r.model, opts);
  const int64_t freeze = r.freeze_index < 0 ? model->default_freeze() : r.freeze_index;
  if (freeze > model->size()) {
    fail(r.model, ": freeze index ", freeze, " is outside [0,", model->size(), "]");
  }

  Profile p;
  p.device.load_average_start = load_average();
  p.model = r.model;
  p.resolution = r.resolution;
  p.num_classes = r.num_classes;
  p.freeze_index = freeze;
  p.batch_sizes = r.batch_sizes;
  p.settings = r.settings;
  p.device.kind = "measured";
  p.device.name = "this-machine";
  p.device.cpu_model = cpu_model();
  p.device.threads = r.threads;
  p.device.libtorch_version = libtorch_version();
  p.device.date = utc_timestamp();
  p.device.memory_bytes = total_memory_bytes();
  p.device.peak_flops = measure_gemm_flops();
  p.device.memory_bandwidth = measure_copy_bandwidth();

  models::ModelMetadata meta = models::compute_metadata(model, /*with_memory=*/true);
  p.input_shape = meta.input_shape;
  p.input_bytes_per_sample = meta.input_bytes_per_sample;
  for (const auto& m : meta.blocks) {
    BlockProfile b;
    b.index = m.index;
    b.name = m.name;
    b.kind = models::block_kind_name(m.kind);
    b.output_shape = m.output_shape;
    b.output_bytes_per_sample = m.output_bytes_per_sample;
    b.parameters = m.parameters;
    b.parameter_bytes = m.parameter_bytes;
    b.flops_per_sample = m.flops_per_sample;
    b.peak_activation_bytes_per_sample = m.peak_activation_bytes_per_sample;
    p.blocks.push_back(std::move(b));
  }

  const int64_t trainable = r.measure_train ? model->size() - freeze : 0;
  const int64_t steps = static_cast<int64_t>(r.batch_sizes.size()) * (model->size() + trainable);
  std::unique_ptr<ProgressBar> bar;
  if (r.progress) bar = std::make_unique<ProgressBar>("profile " + r.model, steps);

  model->eval();
  // Memory: the resident peak grows about in proportion to the batch (activations, workspaces
  // the allocator tracker does not see, e.g. VGG-16's first convolutions need 20 GB at batch
  // 256), so a batch whose projected peak does not fit what this machine has is not measured.
  const double resident_before = peak_resident_bytes();
  const double usable = resident_before + available_memory_bytes();
  std::vector<int64_t> measured;
  for (int64_t batch : r.batch_sizes) {
    if (!measured.empty()) {
      const double grown = std::max(0.0, peak_resident_bytes() - resident_before);
      const double projected = resident_before + grown * static_cast<double>(batch) /
                                                     static_cast<double>(measured.back());
      if (projected * kMemorySafety > usable) {
        std::cerr << "profile " << r.model << ": batch " << batch
                  << " and larger not measured: projected peak memory "
                  << static_cast<int64_t>(projected / 1e9) << " GB (x" << kMemorySafety
                  << " margin) beyond the " << static_cast<int64_t>(usable / 1e9)
                  << " GB this machine has\n";
        break;
      }
    }
    measured.push_back(batch);
    std::vector<int64_t> shape{batch};
    shape.insert(shape.end(), p.input_shape.begin(), p.input_shape.end());
    torch::Tensor x = torch::randn(shape);
    for (int64_t i = 0; i < model->size(); ++i) {
      auto& block = model->block(i);
      torch::Tensor y;
      {
        torch::NoGradGuard no_grad;
        block.eval();
        p.blocks[i].forward.push_back(time_point(batch, r.settings, [&] { y = block.forward(x); }));
      }
      if (bar) bar->advance(1, "b=" + std::to_string(batch) + " " + model->block_name(i));
      if (r.measure_train && i >= freeze && (batch > 1 || !has_batch_norm(block))) {
        // Training step of this block: forward in train mode, backward of a scalar loss. The
        // first trainable block gets an input without gradient (frozen blocks before it).
        block.train();
        torch::Tensor xin = x.detach().clone().set_requires_grad(i > freeze);
        p.blocks[i].train.push_back(time_point(batch, r.settings, [&] {
          torch::Tensor out = block.forward(xin);
          // A parameter-free block right at the freeze index (a pool) has nothing to train.
          if (out.requires_grad()) out.sum().backward();
          for (auto& param : block.parameters()) param.mutable_grad() = torch::Tensor();
          if (xin.requires_grad()) xin.mutable_grad() = torch::Tensor();
        }));
        block.eval();
        if (bar) bar->advance(1, "b=" + std::to_string(batch) + " train " + model->block_name(i));
      }
      x = y;
    }
  }
  if (bar) bar->finish();
  p.batch_sizes = measured;
  for (auto& b : p.blocks) {
    b.forward_fit = fit_time_model(b.forward);
    if (!b.train.empty()) b.train_fit = fit_time_model(b.train);
  }
  p.device.load_average_end = load_average();
  return p;
}

}  // namespace tiersplit::profiles
