// stage_costs.hpp: what one iteration of a tenant costs on each tier, from profiles, for a (split, storage batch).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "profiles/profile.hpp"
#include "sim/scenario.hpp"
#include "sim/sweep.hpp"

namespace tiersplit::sim {

/// Loads each profile once and derives it for each device once.
class ProfileCache {
 public:
  /// The tenant's profile as seen on `device` ("this-machine": the measured profile as is).
  /// `where` ("FILE: /json/path") prefixes errors about the device.
  std::shared_ptr<const profiles::Profile> get(const std::string& profile_file, const std::string& device,
                                               const std::string& where);
  /// Puts a ready profile in the cache under (file, device): tests use hand-built profiles.
  void put(const std::string& profile_file, const std::string& device, profiles::Profile p);

 private:
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const profiles::Profile>> cache_;
};

/// A tenant of a sweep point with its profiles resolved and its freeze index and length fixed.
struct ResolvedTenant {
  TenantParams params;
  std::shared_ptr<const profiles::Profile> storage_profile;  ///< pushdown device
  std::shared_ptr<const profiles::Profile> compute_profile;  ///< training device
  int64_t freeze_index = 0;         ///< f: splits are 0..f
  int64_t iterations_per_epoch = 0; ///< ceil(samples / B)
  int64_t total_iterations = 0;
  int64_t compute_node = 0;
};

/// Resolves and validates every tenant of a point (freeze index within the profile, batch sizes
/// measured, fixed split <= f). Errors name the scenario file and the tenant's JSON path.
std::vector<ResolvedTenant> resolve_tenants(const Scenario& sc, const SweepPoint& point,
                                            ProfileCache& cache);

/// Samples and object requests one storage node serves for one iteration.
struct NodeShare {
  int64_t samples = 0;
  int64_t objects = 0;
};

/// Consecutive mini-batches computed back to back and sent as one message.
struct Chunk {
  int64_t samples = 0;
  double compute_s = 0;
};

/// Everything the simulation and the closed form need about one tenant in one configuration.
/// Times in seconds, sizes in bytes; all per iteration unless said otherwise.
struct TenantPlan {
  std::string name;
  int64_t split = 0;
  int64_t storage_batch = 1;          ///< b
  int64_t training_batch = 1;         ///< B
  int64_t compute_node = 0;
  double arrival_s = 0;
  int64_t total_iterations = 1;
  int64_t iterations_per_epoch = 1;
  int64_t measure_iterations = 1;     ///< simulated iterations that are measured
  int64_t measure_warmup = -1;        ///< of those, left out of the iteration time (-1: first half)
  int64_t max_chunks = 4;             ///< see SimulationParams::chunks
  bool serial_fetch = false;          ///< see SimulationParams::fetch
  /// Storage-side time of one mini-batch of n samples (decode + blocks [0,s)), n = 0..b.
  std::vector<double> minibatch_time_s;
  double sent_bytes_per_sample = 0;   ///< stored bytes (s = 0) or activation bytes (s > 0)
  double read_bytes_per_sample = 0;   ///< stored bytes read from disk
  double request_overhead_s = 0;      ///< per object request
  double compute_time_s = 0;          ///< decode (s = 0) + forward [s,f) + train [f,L) at B
  double pushdown_memory_bytes = 0;   ///< weights [0,s) + b x peak activation [0,s); 0 for s = 0
  // Dataset layout and read order, to spread each iteration's objects over the storage nodes.
  int64_t dataset_samples = 1;
  int64_t samples_per_object = 1;
  ObjectOrder order = ObjectOrder::kShuffled;
  uint64_t seed = 1;

  /// Samples and object requests of iteration `it` on each of `nodes` storage nodes (object k
  /// on node k mod nodes): batch it mod E of epoch it / E (E = iterations_per_epoch) of the
  /// job's epoch plan (common/epoch_plan.hpp), the same batches `tiersplit train` reads. The
  /// last batch of an epoch may be short.
  std::vector<NodeShare> shares(int64_t it, int64_t nodes) const;
  /// Storage-side compute time of `samples` samples in mini-batches of b (no disk).
  double storage_compute_time(int64_t samples) const;
  /// The messages a node sends for `samples` samples: the first mini-batches grouped evenly into
  /// at most max_chunks - 1 chunks, then the last mini-batch alone.
  std::vector<Chunk> chunks(int64_t samples) const;
  double minibatch_time(int64_t n) const { return minibatch_time_s[static_cast<std::size_t>(n)]; }

 private:
  /// The batches of one epoch, kept for the epoch last asked for (a plan is used by one thread).
  struct EpochCache {
    int64_t epoch = -1;
    std::vector<std::vector<ObjectRange>> batches;
  };
  mutable std::shared_ptr<EpochCache> epoch_cache_ = std::make_shared<EpochCache>();
};

/// Builds the plan of tenant `t` at (split, storage batch). Throws tiersplit::Error with the
/// tenant's JSON path when the split exceeds f or the batch sizes were not measured.
TenantPlan make_tenant_plan(const Scenario& sc, const SweepPoint& point, const ResolvedTenant& t, Choice choice);

/// Whether one pushdown of this plan can ever fit a storage node.
inline bool fits_storage_memory(const TenantPlan& p, const PlatformParams& pf) {
  return p.pushdown_memory_bytes <= pf.storage.memory_bytes;
}

/// Candidate (split, storage batch) pairs of a tenant: its fixed values or the search space.
std::vector<Choice> candidate_choices(const Scenario& sc, const ResolvedTenant& t);

}  // namespace tiersplit::sim
