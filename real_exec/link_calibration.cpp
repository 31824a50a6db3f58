// link_calibration.cpp: probe transfers over the real link, time the server's per-request parts.
#include "real_exec/link_calibration.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "common/error.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/pushdown_client.hpp"
#include "real_exec/server_load.hpp"
#include "real_exec/speed_probe.hpp"
#include "real_exec/tensor_codec.hpp"
#include "real_exec/train_common.hpp"

namespace tiersplit::real_exec {

namespace {

/// A pushdown of one training batch (or all of `obj` when smaller) at (split, storage batch).
PushdownRequest batch_request(const LinkCalibrationOptions& o, const ObjectRef& obj, int64_t split,
                              int64_t storage_batch) {
  PushdownRequest q;
  q.tenant = "calibration";
  q.model = o.model;
  q.num_classes = o.num_classes;
  q.resolution = o.resolution;
  q.split = split;
  q.storage_batch = storage_batch;
  q.segments = {{obj.name, 0, std::min(o.batch, obj.samples)}};
  return q;
}

}  // namespace

nlohmann::json measure_link(PushdownClient& client, const LinkCalibrationOptions& o);
nlohmann::json measure_server(PushdownClient& client, const LinkCalibrationOptions& o);

nlohmann::json to_json(const Spread& s) {
  return {{"median", s.median},
          {"rel_iqr", s.rel_iqr},
          {"min", s.min},
          {"max", s.max},
          {"count", s.count}};
}

std::vector<int64_t> probe_sizes(double nominal_bandwidth, double largest_probe_s) {
  double largest = nominal_bandwidth > 0 ? nominal_bandwidth * largest_probe_s : 16.0 * (1 << 20);
  largest = std::clamp(largest, 64.0 * 1024, 16.0 * (1 << 20));
  std::vector<int64_t> sizes;
  for (double b = 1024; b <= largest * 1.0001; b *= 4) sizes.push_back(static_cast<int64_t>(b));
  if (static_cast<double>(sizes.back()) < largest * 0.75)
    sizes.push_back(static_cast<int64_t>(largest));
  return sizes;
}

nlohmann::json fit_transfer_line(const std::vector<std::pair<double, double>>& input) {
  if (input.size() < 2) fail("internal: a transfer line needs two sizes");
  auto pts = input;
  std::sort(pts.begin(), pts.end());
  // Bandwidth: least-squares slope over the large transfers (at least 1/16 of the largest, and
  // at least the two largest), where a shaper's burst and per-transfer costs no longer matter.
  const double largest = pts.back().first;
  std::vector<std::pair<double, double>> big;
  for (const auto& p : pts) {
    if (p.first >= largest / 16) big.push_back(p);
  }
  if (big.size() < 2) big.assign(pts.end() - 2, pts.end());
  double mx = 0, my = 0;
  for (const auto& [x, y] : big) {
    mx += x;
    my += y;
  }
  mx /= static_cast<double>(big.size());
  my /= static_cast<double>(big.size());
  double sxy = 0, sxx = 0;
  for (const auto& [x, y] : big) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) * (x - mx);
  }
  const double g = sxx > 0 ? sxy / sxx : 0;
  if (g <= 0) {
    fail("transfer times do not grow with size (", pts.front().second, " s for ", pts.front().first,
         " B, ", pts.back().second, " s for ", pts.back().first,
         " B): the link is not the limit at these sizes; probe larger sizes");
  }
  // Fixed cost per transfer: the median of what each size took beyond its bytes (never < 0:
  // a shaper's burst can let small transfers through faster than the line).
  std::vector<double> rest;
  for (const auto& [x, y] : pts) rest.push_back(y - g * x);
  const double a = std::max(0.0, quantile(rest, 0.5));
  double sq = 0;
  for (const auto& [x, y] : pts) {
    double r = (a + g * x - y) / y;
    sq += r * r;
  }
  return {{"fixed_s", a},
          {"bandwidth_bytes_per_s", 1.0 / g},
          {"rel_rmse", std::sqrt(sq / static_cast<double>(pts.size()))},
          {"method", "slope of the transfers >= 1/16 of the largest; fixed = median excess"}};
}

nlohmann::json measure_link_and_server(const LinkCalibrationOptions& o) {
  if (o.part == "compute-steps") return measure_compute_steps(o);
  if (o.part == "speed") return measure_machine_speed();
  if (o.part == "storage-blocks") return measure_storage_blocks(o);
  if (o.part == "server-load") return measure_server_load(o);
  if (o.repeats < 1 || o.server_repeats < 1) fail("calibration repeats must be >= 1");
  PushdownClient client(o.server, o.token, RetryPolicy{0.05, 1.0, 20.0});
  try {
    client.health();
  } catch (const Error& e) {
    fail("calibration: the pushdown server does not answer (", e.what(),
         "); is it running and reachable from the compute tier?");
  }

  const bool do_link = o.part != "server", do_server = o.part != "link";
  if (o.part != "link" && o.part != "server" && o.part != "all")
    fail("calibration part '", o.part,
         "' is not link, server, storage-blocks, server-load, compute-steps, speed or all");
  nlohmann::json out = nlohmann::json::object();
  if (do_link) out.update(measure_link(client, o));
  if (do_server) out["server"] = measure_server(client, o);
  return out;
}

nlohmann::json measure_link(PushdownClient& client, const LinkCalibrationOptions& o) {
  // 1. The link: probe sizes, one untimed probe first (connection set-up, TCP slow start).
  nlohmann::json points = nlohmann::json::array();
  std::vector<std::pair<double, double>> fit_points;
  std::string link;
  client.probe(1024);
  const std::vector<int64_t> sizes = probe_sizes(o.nominal_bandwidth, o.largest_probe_s);
  for (int64_t size : sizes) {
    std::vector<double> t;
    int64_t bytes = 0;
    for (int r = 0; r < o.repeats; ++r) {
      PushdownTimings p = client.probe(size);
      t.push_back(p.elapsed_s);
      bytes = p.bytes;
      link = p.link;
    }
    Spread s = spread_of(t);
    points.push_back({{"bytes", bytes}, {"elapsed_s", to_json(s)}});
    fit_points.emplace_back(static_cast<double>(bytes), s.median);
  }
  nlohmann::json fit = fit_transfer_line(fit_points);

  // 2. The same transfer after the link idled: how much a shaper's bucket lets through at once.
  nlohmann::json after_idle;
  if (o.idle_probe_pause_s > 0) {
    const int64_t size = sizes[sizes.size() >= 2 ? sizes.size() - 2 : 0];
    std::vector<double> t;
    int64_t bytes = 0;
    for (int r = 0; r < o.repeats; ++r) {
      std::this_thread::sleep_for(std::chrono::duration<double>(o.idle_probe_pause_s));
      PushdownTimings p = client.probe(size);
      t.push_back(p.elapsed_s);
      bytes = p.bytes;
    }
    after_idle = {
        {"bytes", bytes}, {"idle_s", o.idle_probe_pause_s}, {"elapsed_s", to_json(spread_of(t))}};
  }

  // 3. The compute tier's own work on raw samples (s = 0): normalising a batch of U8 images.
  std::vector<double> norm;
  torch::NoGradGuard no_grad;
  auto u8 = torch::randint(0, 256, {o.batch, 3, o.resolution, o.resolution}, torch::kUInt8);
  for (int r = -1; r < 2 * o.server_repeats; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    auto x = normalise_images(u8);  // eager: the work is done when it returns
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r >= 0) norm.push_back(s / static_cast<double>(o.batch));
  }
  nlohmann::json link_json = {{"link", link}, {"points", points}, {"fit", fit}};
  if (!after_idle.is_null()) link_json["after_idle"] = after_idle;
  return {{"link", link_json}, {"compute", {{"normalise_s_per_sample", to_json(spread_of(norm))}}}};
}

nlohmann::json measure_server(PushdownClient& client, const LinkCalibrationOptions& o) {
  // 2. The server: requests of one training batch from one object, at s = 0 (read, gather,
  // serialise) and s = 1 (also normalise and block 0), over different objects.
  nlohmann::json manifest;
  try {
    manifest = client.manifest(o.dataset);
  } catch (const Error& e) {
    fail("calibration: ", e.what());
  }
  auto objects = split_objects(manifest, o.split_name);
  if (objects.empty()) fail("calibration: split ", o.split_name, " of ", o.dataset, " is empty");
  nlohmann::json server = nlohmann::json::object();
  for (int64_t split : {0, 1}) {
    std::vector<double> read, decode, compute, serialize, total, other, transfer, bytes;
    for (int r = -1; r < o.server_repeats; ++r) {  // r = -1: untimed (loads the model)
      const ObjectRef& obj = objects[static_cast<std::size_t>(r + 1) % objects.size()];
      PushdownRequest q = batch_request(o, obj, split, o.batch);
      PushdownReply rep = client.pushdown(q);
      if (r < 0) continue;
      const PushdownTimings& t = rep.timings;
      const double n = static_cast<double>(q.segments[0].count);
      read.push_back(t.read_s);
      decode.push_back(t.decode_s / n);
      compute.push_back(t.compute_s / n);
      serialize.push_back(t.serialize_s / n);
      total.push_back(t.server_s);
      other.push_back(std::max(0.0, t.server_s - t.read_s - t.decode_s - t.compute_s -
                                        t.serialize_s - t.queue_s) /
                      n);
      transfer.push_back(t.transfer_s);
      bytes.push_back(static_cast<double>(t.bytes));
    }
    server["split_" + std::to_string(split)] = {
        {"samples_per_request", std::min(o.batch, objects[0].samples)},
        {"objects_per_request", 1},
        {"read_s_per_request", to_json(spread_of(read))},
        {"decode_s_per_sample", to_json(spread_of(decode))},
        {"compute_s_per_sample", to_json(spread_of(compute))},
        {"serialize_s_per_sample", to_json(spread_of(serialize))},
        {"other_s_per_sample", to_json(spread_of(other))},
        {"server_s_per_request", to_json(spread_of(total))},
        {"transfer_s_per_request", to_json(spread_of(transfer))},
        {"response_bytes", to_json(spread_of(bytes))}};
  }

  return server;
}

nlohmann::json measure_storage_blocks(const LinkCalibrationOptions& o) {
  PushdownClient client(o.server, o.token, RetryPolicy{0.05, 1.0, 20.0});
  nlohmann::json manifest = client.manifest(o.dataset);
  auto objects = split_objects(manifest, o.split_name);
  if (objects.empty()) fail("calibration: split ", o.split_name, " of ", o.dataset, " is empty");
  ModelSpec spec;
  spec.model = o.model;
  spec.num_classes = o.num_classes;
  spec.resolution = o.resolution;
  const int64_t f = make_model(spec)->default_freeze();
  nlohmann::json out = {{"model", o.model}, {"freeze", f}, {"batches", nlohmann::json::object()}};
  // Round-robin over the storage batches (repeat r of every b, then repeat r + 1): a machine
  // whose speed drifts over the measurement then affects every batch alike.
  std::vector<std::vector<std::vector<double>>> per_block(
      o.storage_batches.size(), std::vector<std::vector<double>>(static_cast<std::size_t>(f)));
  const auto start = std::chrono::steady_clock::now();
  auto busy_long_enough = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >=
           o.min_duration_s;
  };
  for (int r = -1; r < o.server_repeats || !busy_long_enough(); ++r) {  // r = -1: untimed
    const ObjectRef& obj = objects[static_cast<std::size_t>(r + 1) % objects.size()];
    const int64_t n = std::min(o.batch, obj.samples);
    for (std::size_t bi = 0; bi < o.storage_batches.size(); ++bi) {
      const int64_t b = o.storage_batches[bi];
      if (o.pause_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(o.pause_s));
      PushdownReply rep = client.pushdown(batch_request(o, obj, f, b));
      if (r < 0) continue;
      const double minibatches = static_cast<double>((n + b - 1) / b);
      for (std::size_t i = 0; i < per_block[bi].size() && i < rep.timings.block_s.size(); ++i)
        per_block[bi][i].push_back(rep.timings.block_s[i] / minibatches);
    }
  }
  for (std::size_t bi = 0; bi < o.storage_batches.size(); ++bi) {
    nlohmann::json blocks = nlohmann::json::array();
    for (auto& v : per_block[bi]) blocks.push_back(to_json(spread_of(v)));
    out["batches"][std::to_string(o.storage_batches[bi])] = blocks;
  }
  return out;
}

nlohmann::json measure_compute_steps(const LinkCalibrationOptions& o) {
  reserve_heap(o.heap_reserve_mib);
  ModelSpec spec;
  spec.model = o.model;
  spec.num_classes = o.num_classes;
  spec.resolution = o.resolution;
  models::BlockModel model = make_model(spec);
  const int64_t f = model->default_freeze();
  model->train();
  model->apply_freeze(f);
  auto optimizer = make_optimizer("sgd", trainable_parameters(model, f), 0.01, 0.9);
  torch::manual_seed(1);
  // Inputs of every split: what the trainer gets, from one real batch of images as the server
  // sends it at s = 0 (random images when no server answers), run through the frozen blocks
  // here. Fetching every split's activations from the server instead would move them over the
  // shaped link: 32 MiB at s = 1 for VGG-11 at 64 px, over four minutes at 1 Mbit/s.
  torch::Tensor x, y;
  std::string input_kind = "random images";
  try {
    PushdownClient client(o.server, o.token, RetryPolicy{0.05, 0.5, 2.0});
    auto objects = split_objects(client.manifest(o.dataset), o.split_name);
    if (!objects.empty()) {
      PushdownReply rep = client.pushdown(batch_request(o, objects.front(), 0, o.batch));
      x = normalise_images(to_torch(rep.tensors.at("features")));
      y = to_torch(rep.tensors.at("labels"));
      input_kind = "real images: " + objects.front().name;
    }
  } catch (const Error&) {
    x = torch::Tensor();
  }
  if (!x.defined()) {
    x = torch::randn({o.batch, 3, o.resolution, o.resolution});
    y = torch::randint(0, o.num_classes, {o.batch}, torch::kLong);
  }
  std::vector<torch::Tensor> inputs;
  {
    torch::NoGradGuard no_grad;
    model->eval();
    for (int64_t s = 0; s <= f; ++s) {
      inputs.push_back(x);
      if (s < f) x = model->forward_range(x, s, s + 1);
    }
    model->train();
    model->apply_freeze(f);
  }
  // Round-robin over the splits (repeat r of every s, then repeat r + 1), so that a drift in the
  // machine's speed affects every split alike instead of bending the curve over s.
  std::vector<std::vector<double>> t(static_cast<std::size_t>(f) + 1);
  for (int r = -1; r < o.step_repeats; ++r) {  // r = -1: untimed
    for (int64_t s = 0; s <= f; ++s) {
      if (o.pause_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(o.pause_s));
      auto t0 = std::chrono::steady_clock::now();
      train_step(model, *optimizer, inputs[static_cast<std::size_t>(s)], y, s, f);
      double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (r >= 0) t[static_cast<std::size_t>(s)].push_back(dt);
    }
  }
  nlohmann::json splits = nlohmann::json::array();
  for (int64_t s = 0; s <= f; ++s)
    splits.push_back(
        {{"split", s}, {"step_s", to_json(spread_of(t[static_cast<std::size_t>(s)]))}});
  return {{"model", o.model},
          {"freeze", f},
          {"batch", o.batch},
          {"inputs", input_kind},
          {"splits", splits}};
}

}  // namespace tiersplit::real_exec
