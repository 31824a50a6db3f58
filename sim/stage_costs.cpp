// stage_costs.cpp: per-iteration costs of a tenant from its profiles.
#include "sim/stage_costs.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "profiles/derive.hpp"
#include "profiles/device.hpp"

namespace tiersplit::sim {

std::shared_ptr<const profiles::Profile> ProfileCache::get(const std::string& profile_file,
                                                           const std::string& device,
                                                           const std::string& where) {
  auto key = std::make_pair(profile_file, device);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  std::shared_ptr<const profiles::Profile> out;
  auto measured_key = std::make_pair(profile_file, std::string("this-machine"));
  std::shared_ptr<const profiles::Profile> measured;
  if (auto it = cache_.find(measured_key); it != cache_.end()) {
    measured = it->second;
  } else {
    measured = std::make_shared<const profiles::Profile>(profiles::load_profile(profile_file));
    cache_[measured_key] = measured;
  }
  if (device == "this-machine") {
    out = measured;
  } else {
    try {
      out = std::make_shared<const profiles::Profile>(
          profiles::derive_profile(*measured, profiles::find_device(device)));
    } catch (const Error& e) {
      fail(where, ": ", e.what());
    }
  }
  cache_[key] = out;
  return out;
}

void ProfileCache::put(const std::string& profile_file, const std::string& device, profiles::Profile p) {
  cache_[std::make_pair(profile_file, device)] = std::make_shared<const profiles::Profile>(std::move(p));
}

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

bool batch_measured(const profiles::Profile& p, int64_t batch) {
  if (p.batch_sizes.empty()) return true;  // hand-built profiles without measurements
  return batch >= p.batch_sizes.front() && batch <= p.batch_sizes.back();
}

std::string measured_range(const profiles::Profile& p) {
  if (p.batch_sizes.empty()) return "none";
  return std::to_string(p.batch_sizes.front()) + ".." + std::to_string(p.batch_sizes.back());
}

}  // namespace

std::vector<ResolvedTenant> resolve_tenants(const Scenario& sc, const SweepPoint& point,
                                            ProfileCache& cache) {
  std::vector<ResolvedTenant> out;
  for (std::size_t i = 0; i < point.tenants.size(); ++i) {
    const TenantParams& tp = point.tenants[i];
    std::string where = sc.file + ": " + tp.json_path;
    ResolvedTenant r;
    r.params = tp;
    const std::string& storage_file = tp.storage_profile();
    const std::string& compute_file = tp.compute_profile();
    r.storage_profile = cache.get(storage_file, sc.platform.storage.pushdown_device,
                                  sc.file + ": /platform/storage/pushdown_device");
    r.compute_profile = cache.get(compute_file, sc.platform.compute.device,
                                  sc.file + ": /platform/compute/device");
    const profiles::Profile& prof = *r.compute_profile;
    if (prof.blocks.empty()) fail(tp.compute_profile(), ": profile has no blocks");
    if (r.storage_profile->model != prof.model ||
        r.storage_profile->num_blocks() != prof.num_blocks() ||
        r.storage_profile->resolution != prof.resolution) {
      fail(where, ": the storage-side profile ", storage_file, " (", r.storage_profile->model, " at ",
           r.storage_profile->resolution, " px) and the compute-side profile ", compute_file, " (",
           prof.model, " at ", prof.resolution, " px) are not of the same model and resolution");
    }
    r.freeze_index = tp.freeze_index >= 0 ? tp.freeze_index : prof.freeze_index;
    if (r.freeze_index > prof.num_blocks()) {
      fail(where, "/freeze_index: freeze index ", r.freeze_index, " is beyond the ", prof.num_blocks(),
           " blocks of ", prof.model);
    }
    if (r.freeze_index < prof.freeze_index) {
      fail(where, "/freeze_index: freeze index ", r.freeze_index, " is below the profile's ",
           prof.freeze_index, ": ", tp.compute_profile(), " has train times only for blocks >= ",
           prof.freeze_index);
    }
    if (tp.split > r.freeze_index) {
      fail(where, "/split: split ", tp.split, " is beyond the freeze index ", r.freeze_index, " of ",
           prof.model, " (splits run from 0 to the freeze index)");
    }
    if (!sc.simulation.allow_extrapolation && !batch_measured(prof, tp.batch_size)) {
      fail(where, "/batch_size: the profile ", tp.compute_profile(), " lacks training batch ", tp.batch_size,
           " (measured batch sizes ", measured_range(prof),
           "; set /simulation/allow_extrapolation to extrapolate)");
    }
    if (tp.storage_batch > 0 && !sc.simulation.allow_extrapolation &&
        !batch_measured(*r.storage_profile, tp.storage_batch)) {
      fail(where, "/storage_batch: the profile ", tp.storage_profile(), " lacks storage batch ",
           tp.storage_batch, " (measured batch sizes ", measured_range(*r.storage_profile),
           "; set /simulation/allow_extrapolation to extrapolate)");
    }
    r.iterations_per_epoch = ceil_div(tp.dataset.samples, tp.batch_size);
    r.total_iterations = tp.iterations > 0 ? tp.iterations : tp.epochs * r.iterations_per_epoch;
    r.compute_node = tp.compute_node >= 0 ? tp.compute_node
                                          : static_cast<int64_t>(i) % point.platform.compute.nodes;
    if (r.compute_node >= point.platform.compute.nodes) {
      fail(where, "/compute_node: compute node ", r.compute_node, " does not exist (",
           point.platform.compute.nodes, " nodes)");
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<NodeShare> TenantPlan::shares(int64_t it, int64_t nodes) const {
  std::vector<NodeShare> out(static_cast<std::size_t>(nodes));
  const int64_t per_epoch = std::max<int64_t>(1, iterations_per_epoch);
  const int64_t epoch = it / per_epoch;
  EpochCache& cache = *epoch_cache_;
  if (cache.epoch != epoch) {
    cache.batches = plan_epoch(object_layout(dataset_samples, samples_per_object), training_batch,
                               epoch_order_seed(seed, epoch), order);
    cache.epoch = epoch;
  }
  const auto& batch =
      cache.batches[static_cast<std::size_t>(it % per_epoch) % cache.batches.size()];
  for (const ObjectRange& r : batch) {
    NodeShare& s = out[r.object % static_cast<std::size_t>(nodes)];
    s.samples += r.count;
    s.objects += 1;
  }
  return out;
}

double TenantPlan::storage_compute_time(int64_t samples) const {
  int64_t full = samples / storage_batch;
  int64_t rest = samples % storage_batch;
  return static_cast<double>(full) * minibatch_time(storage_batch) + (rest > 0 ? minibatch_time(rest) : 0.0);
}

std::vector<Chunk> TenantPlan::chunks(int64_t samples) const {
  std::vector<Chunk> out;
  if (samples <= 0) return out;
  const int64_t b = storage_batch;
  const int64_t m = (samples + b - 1) / b;  // mini-batches; all of b samples but the last
  if (max_chunks <= 1) {  // one message after all mini-batches (a plain request/response server)
    out.push_back({samples, storage_compute_time(samples)});
    return out;
  }
  const int64_t last = samples - (m - 1) * b;
  const int64_t groups = std::min(m - 1, std::max<int64_t>(0, max_chunks - 1));
  for (int64_t g = 0; g < groups; ++g) {
    int64_t count = (m - 1) / groups + (g < (m - 1) % groups ? 1 : 0);
    out.push_back({count * b, static_cast<double>(count) * minibatch_time(b)});
  }
  out.push_back({last, minibatch_time(last)});
  return out;
}

TenantPlan make_tenant_plan(const Scenario& sc, const SweepPoint& point, const ResolvedTenant& t,
                            Choice choice) {
  const TenantParams& tp = t.params;
  std::string where = sc.file + ": " + tp.json_path;
  const profiles::Profile& sp = *t.storage_profile;
  const profiles::Profile& cp = *t.compute_profile;
  const int64_t s = choice.split;
  const int64_t b = choice.storage_batch;
  const int64_t B = tp.batch_size;
  const int64_t f = t.freeze_index;
  if (s < 0 || s > f) {
    fail(where, "/split: split ", s, " is beyond the freeze index ", f, " of ", cp.model,
         " (splits run from 0 to the freeze index)");
  }
  if (b < 1 || b > B) {
    fail(where, "/storage_batch: storage batch ", b, " is larger than the training batch ", B);
  }
  if (s > 0 && !sc.simulation.allow_extrapolation && !batch_measured(sp, b)) {
    fail(where, "/storage_batch: the profile ", tp.storage_profile(), " lacks storage batch ", b,
         " (measured batch sizes ", measured_range(sp), "; set /simulation/allow_extrapolation to extrapolate)");
  }

  TenantPlan p;
  p.name = tp.name;
  p.split = s;
  p.storage_batch = b;
  p.training_batch = B;
  p.compute_node = t.compute_node;
  p.arrival_s = tp.arrival_s;
  p.total_iterations = t.total_iterations;
  p.iterations_per_epoch = t.iterations_per_epoch;
  p.measure_iterations = std::min(t.total_iterations, sc.simulation.iterations);
  p.measure_warmup = sc.simulation.warmup;
  p.max_chunks = sc.simulation.chunks;
  p.serial_fetch = sc.simulation.fetch == "serial";
  p.dataset_samples = tp.dataset.samples;
  p.samples_per_object = tp.dataset.samples_per_object;
  p.order = tp.dataset.order;
  p.seed = tp.dataset.seed;
  p.read_bytes_per_sample = tp.dataset.bytes_per_sample;
  p.request_overhead_s = point.platform.storage.request_overhead_s;

  const double decode_storage = point.platform.storage.decode_time_per_sample_s;
  p.minibatch_time_s.assign(static_cast<std::size_t>(b) + 1, 0.0);
  if (s > 0) {
    for (int64_t n = 1; n <= b; ++n) {
      double blocks = std::max(0.0, sp.forward_time(0, s, n));
      p.minibatch_time_s[static_cast<std::size_t>(n)] = decode_storage * static_cast<double>(n) + blocks;
    }
  }
  p.sent_bytes_per_sample = s == 0 ? tp.dataset.bytes_per_sample
                                   : static_cast<double>(sp.split_bytes_per_sample(s));
  double decode_compute = s == 0 ? point.platform.compute.decode_time_per_sample_s * static_cast<double>(B) : 0.0;
  p.compute_time_s = decode_compute + std::max(0.0, cp.forward_time(s, f, B)) +
                     std::max(0.0, cp.train_time(f, cp.num_blocks(), B));
  p.pushdown_memory_bytes =
      s == 0 ? 0.0
             : static_cast<double>(sp.parameter_bytes(0, s)) +
                   static_cast<double>(b) * static_cast<double>(sp.peak_activation_bytes(0, s));
  return p;
}

std::vector<Choice> candidate_choices(const Scenario& sc, const ResolvedTenant& t) {
  const TenantParams& tp = t.params;
  const int64_t B = tp.batch_size;
  std::vector<int64_t> splits;
  if (tp.split >= 0) {
    splits = {tp.split};
  } else if (!sc.search.splits.empty()) {
    for (int64_t s : sc.search.splits) {
      if (s <= t.freeze_index) splits.push_back(s);
    }
    if (splits.empty()) {
      fail(sc.file, ": /search/splits: no listed split is within the freeze index ", t.freeze_index,
           " of tenant '", tp.name, "'");
    }
  } else {
    for (int64_t s = 0; s <= t.freeze_index; ++s) splits.push_back(s);
  }
  std::vector<int64_t> batches;
  if (tp.storage_batch > 0) {
    batches = {std::min(tp.storage_batch, B)};
  } else if (!sc.search.storage_batches.empty()) {
    for (int64_t b : sc.search.storage_batches) {
      if (b <= B) batches.push_back(b);
    }
    if (batches.empty()) {
      fail(sc.file, ": /search/storage_batches: every listed storage batch is larger than the training batch ",
           B, " of tenant '", tp.name, "'");
    }
    if (!sc.simulation.allow_extrapolation) {
      for (int64_t b : batches) {
        if (!batch_measured(*t.storage_profile, b)) {
          fail(sc.file, ": /search/storage_batches: the profile ", tp.storage_profile(), " lacks storage batch ", b,
               " (measured batch sizes ", measured_range(*t.storage_profile),
               "; set /simulation/allow_extrapolation to extrapolate)");
        }
      }
    }
  } else {
    // Powers of two up to B (and B itself), within the measured range.
    for (int64_t b = 1; b < B; b *= 2) batches.push_back(b);
    batches.push_back(B);
    if (!sc.simulation.allow_extrapolation) {
      std::vector<int64_t> kept;
      for (int64_t b : batches) {
        if (batch_measured(*t.storage_profile, b)) kept.push_back(b);
      }
      if (kept.empty()) {
        fail(sc.file, ": ", tp.json_path, "/batch_size: the profile ", tp.storage_profile(),
             " has no measured batch size up to ", B, " (measured ", measured_range(*t.storage_profile), ")");
      }
      batches = kept;
    }
  }
  std::vector<Choice> out;
  for (int64_t s : splits) {
    for (int64_t b : batches) out.push_back({s, b});
  }
  return out;
}

}  // namespace tiersplit::sim
