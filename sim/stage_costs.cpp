// stage_costs.cpp: per-iteration costs of a tenant from its profiles, for one configuration.
#include "sim/stage_costs.hpp"

#include <algorithm>
#include <cmath>

#include "common/digest.hpp"
#include "common/error.hpp"
#include "profiles/derive.hpp"
#include "profiles/device.hpp"
#include "sim/memory_rules.hpp"

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

std::string ProfileCache::digest() const {
  uint64_t h = fnv1a("profiles");
  for (const auto& [key, profile] : cache_) {
    h = fnv1a(key.second, h);  // the device; the file path may differ between machines
    h = fnv1a(profiles::to_json(*profile).dump(), h);
  }
  return hex_digest(h);
}

void ProfileCache::put(const std::string& profile_file, const std::string& device, profiles::Profile p) {
  cache_[std::make_pair(profile_file, device)] = std::make_shared<const profiles::Profile>(std::move(p));
}

namespace {

/// Whether the time model may answer for `batch`: within the measured range, or beyond its
/// largest batch by at most profiles::kDocumentedExtrapolation (docs/profile-format.md gives the
/// error measured there); anything with /simulation/allow_extrapolation.
bool batch_in_reach(const profiles::Profile& p, int64_t batch, bool allow_extrapolation) {
  if (p.batch_sizes.empty() || allow_extrapolation) return true;  // hand-built profiles
  return batch >= p.batch_sizes.front() &&
         batch <= p.batch_sizes.back() * profiles::kDocumentedExtrapolation;
}

bool batch_measured(const profiles::Profile& p, int64_t batch) {
  if (p.batch_sizes.empty()) return true;
  return batch >= p.batch_sizes.front() && batch <= p.batch_sizes.back();
}

std::string measured_range(const profiles::Profile& p) {
  if (p.batch_sizes.empty()) return "none";
  return std::to_string(p.batch_sizes.front()) + ".." + std::to_string(p.batch_sizes.back());
}

/// The rest of a "batch out of reach" message: what was measured and what to do.
std::string reach_hint(const profiles::Profile& p) {
  return " (measured batch sizes " + measured_range(p) + ", predicted up to " +
         std::to_string(p.batch_sizes.empty() ? 0
                                              : p.batch_sizes.back() *
                                                    profiles::kDocumentedExtrapolation) +
         "; set /simulation/allow_extrapolation to go further)";
}

}  // namespace

double StorageTimes::blocks(int64_t split, int64_t n) const {
  if (split <= 0 || n <= 0) return 0.0;
  const auto un = static_cast<std::size_t>(n);
  if (prefix_.size() <= un) prefix_.resize(un + 1);
  std::vector<double>& row = prefix_[un];
  if (row.empty()) {
    row.assign(static_cast<std::size_t>(profile_->num_blocks()) + 1, 0.0);
    for (int64_t i = 0; i < profile_->num_blocks(); ++i)
      row[static_cast<std::size_t>(i) + 1] =
          row[static_cast<std::size_t>(i)] +
          profile_->blocks[static_cast<std::size_t>(i)].forward_time(n);
  }
  return row[static_cast<std::size_t>(split)];
}

namespace {

/// Fails when a profile cannot answer for the tenant's training batch or fixed storage batch.
void check_batches(const Scenario& sc, const ResolvedTenant& r, const std::string& where) {
  const TenantParams& tp = r.params;
  const bool allow = sc.simulation.allow_extrapolation;
  if (!batch_in_reach(*r.compute_profile, tp.batch_size, allow)) {
    fail(where, "/batch_size: the profile ", tp.compute_profile(), " lacks training batch ",
         tp.batch_size, reach_hint(*r.compute_profile));
  }
  if (tp.storage_batch > 0 && !batch_in_reach(*r.storage_profile, tp.storage_batch, allow)) {
    fail(where, "/storage_batch: the profile ", tp.storage_profile(), " lacks storage batch ",
         tp.storage_batch, reach_hint(*r.storage_profile));
  }
}

/// Checks the tenant's freeze index and fixed split against its profile; returns f.
int64_t checked_freeze_index(const TenantParams& tp, const profiles::Profile& prof,
                             const std::string& where) {
  const int64_t f = tp.freeze_index >= 0 ? tp.freeze_index : prof.freeze_index;
  if (f > prof.num_blocks()) {
    fail(where, "/freeze_index: freeze index ", f, " is beyond the ", prof.num_blocks(),
         " blocks of ", prof.model);
  }
  if (f < prof.freeze_index) {
    fail(where, "/freeze_index: freeze index ", f, " is below the profile's ", prof.freeze_index,
         ": ", tp.compute_profile(), " has train times only for blocks >= ", prof.freeze_index);
  }
  if (tp.split > f) {
    fail(where, "/split: split ", tp.split, " is beyond the freeze index ", f, " of ", prof.model,
         " (splits run from 0 to the freeze index)");
  }
  return f;
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
      fail(where, ": the storage-side profile ", storage_file, " (", r.storage_profile->model,
           " at ", r.storage_profile->resolution, " px) and the compute-side profile ",
           compute_file, " (", prof.model, " at ", prof.resolution,
           " px) are not of the same model and resolution");
    }
    r.freeze_index = checked_freeze_index(tp, prof, where);
    check_batches(sc, r, where);
    r.storage_times = std::make_shared<const StorageTimes>(r.storage_profile);
    r.schedule = epoch_schedule(tp.dataset.samples, tp.dataset.samples_per_object, tp.batch_size,
                                tp.dataset.seed, tp.dataset.order);
    r.iterations_per_epoch = r.schedule->iterations_per_epoch();
    r.total_iterations = tp.iterations > 0 ? tp.iterations : tp.epochs * r.iterations_per_epoch;
    r.compute_node = tp.compute_node >= 0
                         ? tp.compute_node
                         : static_cast<int64_t>(i) % point.platform.compute.nodes;
    if (r.compute_node >= point.platform.compute.nodes) {
      fail(where, "/compute_node: compute node ", r.compute_node, " does not exist (",
           point.platform.compute.nodes, " nodes)");
    }
    out.push_back(std::move(r));
  }
  return out;
}

double TenantCosts::minibatch_time(int64_t n) const {
  if (split <= 0 || n <= 0) return 0.0;
  const double t = storage_decode_per_sample_s * static_cast<double>(n) +
                   std::max(0.0, storage_times->blocks(split, n));
  return storage_scale * t;
}

double TenantCosts::storage_compute_time(int64_t samples) const {
  int64_t full = samples / storage_batch;
  int64_t rest = samples % storage_batch;
  return static_cast<double>(full) * minibatch_time(storage_batch) +
         (rest > 0 ? minibatch_time(rest) : 0.0);
}

std::vector<Chunk> TenantCosts::chunks(int64_t samples) const {
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
  const double full = minibatch_time(b);
  for (int64_t g = 0; g < groups; ++g) {
    int64_t count = (m - 1) / groups + (g < (m - 1) % groups ? 1 : 0);
    out.push_back({count * b, static_cast<double>(count) * full});
  }
  out.push_back({last, minibatch_time(last)});
  return out;
}

TenantCosts make_tenant_costs(const Scenario& sc, const SweepPoint& point, const ResolvedTenant& t,
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
  if (s > 0 && !batch_in_reach(sp, b, sc.simulation.allow_extrapolation)) {
    fail(where, "/storage_batch: the profile ", tp.storage_profile(), " lacks storage batch ", b,
         reach_hint(sp));
  }

  TenantCosts c;
  c.name = tp.name;
  c.split = s;
  c.storage_batch = b;
  c.training_batch = B;
  c.compute_node = t.compute_node;
  c.arrival_s = tp.arrival_s;
  c.total_iterations = t.total_iterations;
  c.iterations_per_epoch = t.iterations_per_epoch;
  c.measure_iterations = std::min(t.total_iterations, sc.simulation.iterations);
  c.measure_warmup = sc.simulation.warmup;
  c.max_chunks = sc.simulation.chunks;
  c.serial_fetch = sc.simulation.fetch == "serial";
  c.read_bytes_per_sample = tp.dataset.bytes_per_sample;
  c.request_overhead_s = point.platform.storage.request_overhead_s;
  c.storage_decode_per_sample_s = point.platform.storage.decode_time_per_sample_s;
  c.storage_times = t.storage_times;
  c.schedule = t.schedule;
  c.sent_bytes_per_sample =
      s == 0 ? tp.dataset.bytes_per_sample : static_cast<double>(sp.split_bytes_per_sample(s));
  const double decode_compute =
      s == 0 ? point.platform.compute.decode_time_per_sample_s * static_cast<double>(B) : 0.0;
  c.compute_time_s = decode_compute + std::max(0.0, cp.forward_time(s, f, B)) +
                     std::max(0.0, cp.train_time(f, cp.num_blocks(), B));
  c.pushdown_memory_bytes = storage_memory_bytes(sp, s, b);
  c.extrapolated = !batch_measured(cp, B) || (s > 0 && !batch_measured(sp, b));
  return c;
}

namespace {

std::vector<int64_t> candidate_splits(const Scenario& sc, const ResolvedTenant& t) {
  const TenantParams& tp = t.params;
  std::vector<int64_t> splits;
  if (tp.split >= 0) return {tp.split};
  if (!sc.search.splits.empty()) {
    for (int64_t s : sc.search.splits) {
      if (s <= t.freeze_index) splits.push_back(s);
    }
    if (splits.empty()) {
      fail(sc.file, ": /search/splits: no listed split is within the freeze index ",
           t.freeze_index, " of tenant '", tp.name, "'");
    }
    return splits;
  }
  for (int64_t s = 0; s <= t.freeze_index; ++s) splits.push_back(s);
  return splits;
}

std::vector<int64_t> candidate_batches(const Scenario& sc, const ResolvedTenant& t) {
  const TenantParams& tp = t.params;
  const int64_t B = tp.batch_size;
  const bool allow = sc.simulation.allow_extrapolation;
  const profiles::Profile& sp = *t.storage_profile;
  if (tp.storage_batch > 0) return {std::min(tp.storage_batch, B)};
  std::vector<int64_t> batches;
  if (!sc.search.storage_batches.empty()) {
    for (int64_t b : sc.search.storage_batches) {
      if (b <= B) batches.push_back(b);
    }
    if (batches.empty()) {
      fail(sc.file,
           ": /search/storage_batches: every listed storage batch is larger than the training "
           "batch ",
           B, " of tenant '", tp.name, "'");
    }
    for (int64_t b : batches) {
      if (!batch_in_reach(sp, b, allow)) {
        fail(sc.file, ": /search/storage_batches: the profile ", tp.storage_profile(),
             " lacks storage batch ", b, reach_hint(sp));
      }
    }
    return batches;
  }
  // Powers of two up to B (and B itself), within reach of the measured range.
  for (int64_t b = 1; b < B; b *= 2) {
    if (batch_in_reach(sp, b, allow)) batches.push_back(b);
  }
  if (batch_in_reach(sp, B, allow)) batches.push_back(B);
  if (batches.empty()) {
    fail(sc.file, ": ", tp.json_path, "/batch_size: the profile ", tp.storage_profile(),
         " has no measured batch size up to ", B, " (measured ", measured_range(sp), ")");
  }
  return batches;
}

}  // namespace

std::vector<Choice> candidate_choices(const Scenario& sc, const ResolvedTenant& t) {
  std::vector<Choice> out;
  const std::vector<int64_t> batches = candidate_batches(sc, t);
  for (int64_t s : candidate_splits(sc, t)) {
    for (int64_t b : batches) out.push_back({s, b});
  }
  return out;
}

}  // namespace tiersplit::sim
