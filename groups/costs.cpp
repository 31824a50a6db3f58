// costs.cpp: per-sample and per-head costs of a groups workload from the backbone's profiles.
#include "groups/costs.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "profiles/device.hpp"
#include "sim/memory_rules.hpp"

namespace tiersplit::groups {

namespace {

bool measured(const profiles::Profile& p, int64_t batch) {
  return p.batch_sizes.empty() || (batch >= p.batch_sizes.front() && batch <= p.batch_sizes.back());
}

bool in_reach(const profiles::Profile& p, int64_t batch, bool allow) {
  return allow || p.batch_sizes.empty() ||
         (batch >= p.batch_sizes.front() &&
          batch <= p.batch_sizes.back() * profiles::kDocumentedExtrapolation);
}

std::string range(const profiles::Profile& p) {
  return p.batch_sizes.empty()
             ? "none"
             : std::to_string(p.batch_sizes.front()) + ".." + std::to_string(p.batch_sizes.back());
}

HeadCosts head_costs(const GroupConfig& c, double features, int64_t classes,
                     const profiles::Profile& worker) {
  HeadCosts h;
  h.full_batch = c.head.kind == HeadKind::kLinear;
  h.epochs = c.epochs;
  const double k = static_cast<double>(classes);
  const double macs = h.full_batch ? features * k
                                   : features * static_cast<double>(c.head.hidden) +
                                         static_cast<double>(c.head.hidden) * k;
  const double biases = h.full_batch ? k : static_cast<double>(c.head.hidden) + k;
  h.parameters = macs + biases;
  const double flops = worker.device.peak_flops > 0 ? worker.device.peak_flops : 1e10;
  const double bandwidth =
      worker.device.memory_bandwidth > 0 ? worker.device.memory_bandwidth : 1e10;
  h.train_s_per_sample = 6.0 * macs / flops;  // forward 2 x MAC, backward 4 x MAC
  const double s = c.optimizer.state_multiplier;
  h.update_s = h.parameters * 4.0 * (3.0 + 2.0 * s) / bandwidth;
  h.gradient_bytes = h.parameters * 4.0;
  h.model_bytes = h.parameters * 4.0 * (1.0 + s);
  h.memory_bytes = h.parameters * 4.0 * (2.0 + s);
  return h;
}

/// Whether a pushdown device is a CPU: the measured "this-machine", or a device sheet of kind
/// "cpu" (an unknown name was refused when the profile was derived for it).
bool pushdown_on_cpu(const std::string& device) {
  if (device == "this-machine") return true;
  try {
    return profiles::find_device(device).kind == "cpu";
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

int64_t HeadCosts::updates(double samples, int64_t batch) const {
  if (full_batch) return 1;
  return std::max<int64_t>(1,
                           static_cast<int64_t>(std::ceil(samples / static_cast<double>(batch))));
}

double GroupsCosts::requests_s(double samples) const {
  if (samples <= 0) return 0;
  return (1 + std::max(0.0, samples - 1) / samples_per_object) * request_overhead_s;
}

void GroupsCosts::set_minibatch_times(const sim::StorageTimes& times) {
  storage_minibatch_s.assign(static_cast<std::size_t>(storage_batch) + 1, 0.0);
  for (int64_t n = 1; n <= storage_batch; ++n)
    storage_minibatch_s[static_cast<std::size_t>(n)] = times.blocks(split, n);
}

double GroupsCosts::pushdown_s(double samples, double requests) const {
  if (split == 0 || samples <= 0) return 0;
  const auto& t = storage_minibatch_s;
  if (t.size() != static_cast<std::size_t>(storage_batch) + 1 || requests <= 0)
    return samples * storage_s_per_sample;
  const double x = samples / requests;  // one request's samples
  const auto b = static_cast<double>(storage_batch);
  const double full = std::floor(x / b), rest = x - full * b;
  // The partial mini-batch: between the profile's times at the whole sizes around it.
  const auto lo = std::min(static_cast<std::size_t>(rest), t.size() - 2);
  const double t_rest = t[lo] + (rest - static_cast<double>(lo)) * (t[lo + 1] - t[lo]);
  return requests * (x * storage_decode_s_per_sample + full * t.back() + t_rest);
}

double GroupsCosts::reads_s(double samples, double requests) const {
  if (samples <= 0 || requests <= 0) return 0;
  return requests * requests_s(samples / requests);
}

double GroupsCosts::heads_s(const std::vector<int>& configs, double samples) const {
  double t = 0;
  for (int c : configs) {
    const HeadCosts& h = heads[static_cast<std::size_t>(c)];
    t += samples * h.train_s_per_sample +
         static_cast<double>(h.updates(samples, batch)) * h.update_s;
  }
  return t;
}

Backbone resolve_backbone(const GroupsScenario& sc, sim::ProfileCache& cache) {
  const GroupsWorkload& w = sc.workload;
  const std::string where = sc.file + ": " + w.json_path;
  Backbone bb;
  auto or_shared = [&](const std::string& file) { return file.empty() ? w.profile_file : file; };
  bb.storage_profile =
      cache.get(or_shared(w.storage_profile_file), sc.platform.storage.pushdown_device,
                sc.file + ": /platform/storage/pushdown_device");
  bb.compute_profile = cache.get(or_shared(w.compute_profile_file), sc.platform.compute.device,
                                 sc.file + ": /platform/compute/device");
  const profiles::Profile& p = *bb.compute_profile;
  bb.freeze_index = w.freeze_index >= 0 ? w.freeze_index : p.freeze_index;
  if (bb.freeze_index < 1 || bb.freeze_index > p.num_blocks())
    fail(where, "/freeze_index: freeze index ", bb.freeze_index, " must be within 1..",
         p.num_blocks(), " (the heads read the output of block f - 1 of ", p.model, ")");
  if (!in_reach(p, w.batch_size, sc.allow_extrapolation))
    fail(where, "/batch_size: the profile ", w.profile_file, " lacks training batch ", w.batch_size,
         " (measured batch sizes ", range(p), ", predicted up to ",
         p.batch_sizes.empty() ? 0 : p.batch_sizes.back() * profiles::kDocumentedExtrapolation,
         "; set /simulation/allow_extrapolation to go further)");
  bb.storage_times = std::make_shared<const sim::StorageTimes>(bb.storage_profile);
  return bb;
}

GroupsCosts make_groups_costs(const GroupsScenario& sc, const GroupsPoint& point,
                              const Backbone& bb, int64_t split, int64_t storage_batch) {
  const GroupsWorkload& w = point.workload;
  const std::string where = sc.file + ": " + w.json_path;
  const profiles::Profile& sp = *bb.storage_profile;
  const profiles::Profile& cp = *bb.compute_profile;
  const int64_t f = bb.freeze_index, B = w.batch_size;
  if (split < 0 || split > f)
    fail(where, ": split ", split, " is beyond the freeze index ", f, " of ", cp.model);
  if (storage_batch < 1 || storage_batch > B)
    fail(where, ": storage batch ", storage_batch, " is not within 1..", B,
         " (the training batch)");
  if (split > 0 && !in_reach(sp, storage_batch, sc.allow_extrapolation))
    fail(where, ": the profile lacks storage batch ", storage_batch, " (measured ", range(sp), ")");
  GroupsCosts c;
  c.split = split;
  c.storage_batch = storage_batch;
  c.batch = B;
  c.freeze_index = f;
  const auto& storage = point.platform.storage;
  const double b = static_cast<double>(storage_batch);
  c.storage_s_per_sample = split == 0 ? 0.0
                                      : storage.decode_time_per_sample_s +
                                            bb.storage_times->blocks(split, storage_batch) / b;
  c.storage_decode_s_per_sample = storage.decode_time_per_sample_s;
  if (split > 0) c.set_minibatch_times(*bb.storage_times);
  c.read_bytes_per_sample = w.bytes_per_sample;
  c.sent_bytes_per_sample =
      split == 0 ? w.bytes_per_sample : static_cast<double>(sp.split_bytes_per_sample(split));
  c.request_overhead_s = storage.request_overhead_s;
  c.reads_share_pushdown_cores = pushdown_on_cpu(storage.pushdown_device);
  c.samples_per_object = static_cast<double>(w.samples_per_object);
  c.extract_s_per_sample = (split == 0 ? point.platform.compute.decode_time_per_sample_s : 0.0) +
                           std::max(0.0, cp.forward_time(split, f, B)) / static_cast<double>(B);
  c.feature_bytes_per_sample = static_cast<double>(cp.split_bytes_per_sample(f));
  c.pushdown_memory_bytes = sim::storage_memory_bytes(sp, split, storage_batch);
  c.extract_memory_bytes =
      static_cast<double>(cp.parameter_bytes(split, f)) +
      static_cast<double>(B) *
          static_cast<double>(cp.split_bytes_per_sample(split) +
                              (split < f ? cp.peak_activation_bytes(split, f) : 0));
  c.extrapolated = !measured(cp, B) || (split > 0 && !measured(sp, storage_batch));
  const double features = c.feature_bytes_per_sample / 4.0;
  for (const GroupConfig& g : w.configs) c.heads.push_back(head_costs(g, features, w.classes, cp));
  return c;
}

}  // namespace tiersplit::groups
