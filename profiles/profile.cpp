// profile.cpp: profile JSON (de)serialisation with validation, derived quantities, time-model fit.
#include "profiles/profile.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "common/error.hpp"

namespace tiersplit::profiles {

using nlohmann::json;

int64_t Profile::split_bytes_per_sample(int64_t s) const {
  if (s < 0 || s > num_blocks()) fail(model, ": split ", s, " is outside [0,", num_blocks(), "]");
  return s == 0 ? input_bytes_per_sample : blocks[s - 1].output_bytes_per_sample;
}

double Profile::forward_time(int64_t begin, int64_t end, int64_t batch) const {
  double t = 0;
  for (int64_t i = begin; i < end; ++i) t += blocks.at(i).forward_time(batch);
  return t;
}

double Profile::train_time(int64_t begin, int64_t end, int64_t batch) const {
  double t = 0;
  for (int64_t i = begin; i < end; ++i) t += blocks.at(i).train_time(batch);
  return t;
}

int64_t Profile::parameter_bytes(int64_t begin, int64_t end) const {
  int64_t n = 0;
  for (int64_t i = begin; i < end; ++i) n += blocks.at(i).parameter_bytes;
  return n;
}

int64_t Profile::peak_activation_bytes(int64_t begin, int64_t end) const {
  int64_t m = 0;
  for (int64_t i = begin; i < end; ++i)
    m = std::max(m, blocks.at(i).peak_activation_bytes_per_sample);
  return m;
}

double interpolate_time(const std::vector<TimingPoint>& pts, int64_t batch) {
  if (pts.empty()) return 0.0;
  const double b = static_cast<double>(batch);
  const TimingPoint& first = pts.front();
  const TimingPoint& last = pts.back();
  if (batch <= first.batch) return first.median_s * b / static_cast<double>(first.batch);
  if (batch >= last.batch) return last.median_s * b / static_cast<double>(last.batch);
  for (std::size_t i = 1; i < pts.size(); ++i) {
    if (batch <= pts[i].batch) {
      const TimingPoint& lo = pts[i - 1];
      const TimingPoint& hi = pts[i];
      double frac = (b - static_cast<double>(lo.batch)) / static_cast<double>(hi.batch - lo.batch);
      return lo.median_s + frac * (hi.median_s - lo.median_s);
    }
  }
  return last.median_s;
}

TimeFit fit_time_model(const std::vector<TimingPoint>& points) {
  // Weighted least squares on relative residuals, (alpha + beta b - t) / t: small batches (storage
  // mini-batches) matter as much as large ones. A negative alpha is not physical; then the fit
  // goes through the origin (beta only).
  TimeFit fit;
  if (points.empty()) return fit;
  const auto n = static_cast<Eigen::Index>(points.size());
  auto weight = [](const TimingPoint& p) { return p.median_s > 0 ? 1.0 / p.median_s : 1.0; };
  if (n > 1) {
    Eigen::MatrixXd a(n, 2);
    Eigen::VectorXd y(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      double w = weight(points[i]);
      a(i, 0) = w;
      a(i, 1) = w * static_cast<double>(points[i].batch);
      y(i) = w * points[i].median_s;
    }
    Eigen::Vector2d x = a.colPivHouseholderQr().solve(y);
    fit.alpha_s = x(0);
    fit.beta_s_per_sample = x(1);
  }
  if (n == 1 || fit.alpha_s < 0 || fit.beta_s_per_sample < 0) {
    double num = 0, den = 0;
    for (const auto& p : points) {
      double w = weight(p), b = static_cast<double>(p.batch);
      num += w * w * b * p.median_s;
      den += w * w * b * b;
    }
    fit.alpha_s = 0;
    fit.beta_s_per_sample = den > 0 ? num / den : 0;
  }
  double sq = 0;
  for (const auto& p : points) {
    double r = (fit.at(p.batch) - p.median_s) * weight(p);
    sq += r * r;
  }
  fit.rel_rmse = std::sqrt(sq / static_cast<double>(n));
  return fit;
}

namespace {

json points_json(const std::vector<TimingPoint>& pts) {
  json a = json::array();
  for (const auto& p : pts) {
    a.push_back({{"batch", p.batch},
                 {"median_s", p.median_s},
                 {"spread", p.spread},
                 {"repeats", p.repeats}});
  }
  return a;
}

json fit_json(const TimeFit& f) {
  return {
      {"alpha_s", f.alpha_s}, {"beta_s_per_sample", f.beta_s_per_sample}, {"rel_rmse", f.rel_rmse}};
}

std::vector<TimingPoint> points_from(const JsonView& arr) {
  std::vector<TimingPoint> out;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    JsonView p = arr.at(i);
    p.allow_keys({"batch", "median_s", "spread", "repeats"});
    TimingPoint t;
    t.batch = p.integer("batch");
    if (t.batch < 1) p.fail_at("batch", "batch size must be at least 1");
    t.median_s = p.number("median_s");
    if (t.median_s < 0) p.fail_at("median_s", "time must not be negative");
    t.spread = p.number("spread", 0.0);
    t.repeats = static_cast<int>(p.integer("repeats", 0));
    if (!out.empty() && t.batch <= out.back().batch) {
      p.fail_at("batch", "batch sizes must be strictly increasing");
    }
    out.push_back(t);
  }
  return out;
}

TimeFit fit_from(const JsonView& f) {
  f.allow_keys({"alpha_s", "beta_s_per_sample", "rel_rmse"});
  TimeFit t;
  t.alpha_s = f.number("alpha_s");
  t.beta_s_per_sample = f.number("beta_s_per_sample");
  t.rel_rmse = f.number("rel_rmse", 0.0);
  if (t.alpha_s < 0) f.fail_at("alpha_s", "fixed time must not be negative");
  if (t.beta_s_per_sample < 0)
    f.fail_at("beta_s_per_sample", "per-sample time must not be negative");
  return t;
}

int64_t non_negative(const JsonView& v, const std::string& key) {
  int64_t x = v.integer(key);
  if (x < 0) v.fail_at(key, "must not be negative");
  return x;
}

}  // namespace

json to_json(const Profile& p) {
  json blocks = json::array();
  for (const auto& b : p.blocks) {
    json jb{{"index", b.index},
            {"name", b.name},
            {"kind", b.kind},
            {"output_shape", b.output_shape},
            {"output_bytes_per_sample", b.output_bytes_per_sample},
            {"parameters", b.parameters},
            {"parameter_bytes", b.parameter_bytes},
            {"flops_per_sample", b.flops_per_sample},
            {"peak_activation_bytes_per_sample", b.peak_activation_bytes_per_sample},
            {"forward", points_json(b.forward)},
            {"forward_fit", fit_json(b.forward_fit)}};
    if (!b.train.empty()) {
      jb["train"] = points_json(b.train);
      jb["train_fit"] = fit_json(b.train_fit);
    }
    blocks.push_back(std::move(jb));
  }
  const auto& d = p.device;
  const auto& s = p.settings;
  return {{"format", kProfileFormatName},
          {"version", p.version},
          {"model", p.model},
          {"resolution", p.resolution},
          {"num_classes", p.num_classes},
          {"freeze_index", p.freeze_index},
          {"input_shape", p.input_shape},
          {"input_bytes_per_sample", p.input_bytes_per_sample},
          {"batch_sizes", p.batch_sizes},
          {"device",
           {{"kind", d.kind},
            {"name", d.name},
            {"cpu_model", d.cpu_model},
            {"threads", d.threads},
            {"libtorch_version", d.libtorch_version},
            {"date", d.date},
            {"peak_flops", d.peak_flops},
            {"memory_bandwidth", d.memory_bandwidth},
            {"memory_bytes", d.memory_bytes},
            {"derived_from", d.derived_from},
            {"load_average_start", d.load_average_start},
            {"load_average_end", d.load_average_end}}},
          {"settings",
           {{"warmup", s.warmup},
            {"min_repeats", s.min_repeats},
            {"max_repeats", s.max_repeats},
            {"target_spread", s.target_spread},
            {"max_seconds_per_point", s.max_seconds_per_point}}},
          {"blocks", blocks}};
}

Profile profile_from_json(const JsonView& root) {
  root.allow_keys({"format", "version", "model", "resolution", "num_classes", "freeze_index",
                   "input_shape", "input_bytes_per_sample", "batch_sizes", "device", "settings",
                   "blocks"});
  if (root.string("format") != kProfileFormatName) {
    root.fail_at("format", "expected \"" + std::string(kProfileFormatName) + "\", found \"" +
                               root.string("format") + "\"");
  }
  Profile p;
  p.version = static_cast<int>(root.integer("version"));
  if (p.version != kProfileFormatVersion) {
    root.fail_at("version", "unsupported profile version " + std::to_string(p.version) +
                                " (this tiersplit reads version " +
                                std::to_string(kProfileFormatVersion) + ")");
  }
  p.model = root.string("model");
  p.resolution = root.integer("resolution");
  if (p.resolution < 1) root.fail_at("resolution", "must be at least 1");
  p.num_classes = root.integer("num_classes");
  p.input_shape = root.integers("input_shape");
  p.input_bytes_per_sample = non_negative(root, "input_bytes_per_sample");
  p.batch_sizes = root.integers("batch_sizes");
  if (p.batch_sizes.empty()) root.fail_at("batch_sizes", "needs at least one batch size");
  for (std::size_t i = 0; i < p.batch_sizes.size(); ++i) {
    if (p.batch_sizes[i] < 1 || (i > 0 && p.batch_sizes[i] <= p.batch_sizes[i - 1])) {
      root.at("batch_sizes")
          .fail_at(std::to_string(i), "batch sizes must be positive and increasing");
    }
  }
  JsonView d = root.at("device");
  d.allow_keys({"kind", "name", "cpu_model", "threads", "libtorch_version", "date", "peak_flops",
                "memory_bandwidth", "memory_bytes", "derived_from", "load_average_start",
                "load_average_end"});
  p.device.kind = d.string("kind");
  if (p.device.kind != "measured" && p.device.kind != "derived") {
    d.fail_at("kind", "expected \"measured\" or \"derived\", found \"" + p.device.kind + "\"");
  }
  p.device.name = d.string("name");
  p.device.cpu_model = d.string("cpu_model", "");
  p.device.threads = static_cast<int>(d.integer("threads", 1));
  p.device.libtorch_version = d.string("libtorch_version", "");
  p.device.date = d.string("date", "");
  p.device.peak_flops = d.number("peak_flops", 0.0);
  p.device.memory_bandwidth = d.number("memory_bandwidth", 0.0);
  p.device.memory_bytes = d.number("memory_bytes", 0.0);
  p.device.derived_from = d.string("derived_from", "");
  p.device.load_average_start = d.number("load_average_start", 0.0);
  p.device.load_average_end = d.number("load_average_end", 0.0);
  if (auto s = root.find("settings")) {
    s->allow_keys(
        {"warmup", "min_repeats", "max_repeats", "target_spread", "max_seconds_per_point"});
    p.settings.warmup = static_cast<int>(s->integer("warmup", p.settings.warmup));
    p.settings.min_repeats = static_cast<int>(s->integer("min_repeats", p.settings.min_repeats));
    p.settings.max_repeats = static_cast<int>(s->integer("max_repeats", p.settings.max_repeats));
    p.settings.target_spread = s->number("target_spread", p.settings.target_spread);
    p.settings.max_seconds_per_point =
        s->number("max_seconds_per_point", p.settings.max_seconds_per_point);
  }
  JsonView blocks = root.at("blocks");
  if (blocks.size() == 0) root.fail_at("blocks", "needs at least one block");
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    JsonView jb = blocks.at(i);
    jb.allow_keys({"index", "name", "kind", "output_shape", "output_bytes_per_sample", "parameters",
                   "parameter_bytes", "flops_per_sample", "peak_activation_bytes_per_sample",
                   "forward", "forward_fit", "train", "train_fit"});
    BlockProfile b;
    b.index = jb.integer("index");
    if (b.index != static_cast<int64_t>(i)) jb.fail_at("index", "expected " + std::to_string(i));
    b.name = jb.string("name");
    b.kind = jb.string("kind");
    b.output_shape = jb.integers("output_shape");
    b.output_bytes_per_sample = non_negative(jb, "output_bytes_per_sample");
    b.parameters = non_negative(jb, "parameters");
    b.parameter_bytes = non_negative(jb, "parameter_bytes");
    b.flops_per_sample = non_negative(jb, "flops_per_sample");
    b.peak_activation_bytes_per_sample = non_negative(jb, "peak_activation_bytes_per_sample");
    b.forward = points_from(jb.at("forward"));
    if (b.forward.empty()) jb.fail_at("forward", "needs at least one measured batch size");
    b.forward_fit = fit_from(jb.at("forward_fit"));
    if (jb.has("train")) {
      b.train = points_from(jb.at("train"));
      b.train_fit = fit_from(jb.at("train_fit"));
    }
    p.blocks.push_back(std::move(b));
  }
  p.freeze_index = root.integer("freeze_index");
  if (p.freeze_index < 0 || p.freeze_index > p.num_blocks()) {
    root.fail_at("freeze_index", "freeze index " + std::to_string(p.freeze_index) +
                                     " is outside [0," + std::to_string(p.num_blocks()) + "]");
  }
  return p;
}

Profile load_profile(const std::string& file) {
  return profile_from_json(load_json_file(file));
}

void save_profile(const std::string& file, const Profile& p) {
  write_json_file(file, to_json(p));
}

}  // namespace tiersplit::profiles
