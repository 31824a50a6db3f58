// stage_costs.hpp: what one iteration of a tenant costs on each tier, from profiles, for one
// configuration; the profiles, epochs and storage-side times behind it are computed once per
// tenant and shared by all of its configurations.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "profiles/profile.hpp"
#include "sim/configuration.hpp"
#include "sim/epoch_schedule.hpp"
#include "sim/scenario.hpp"
#include "sim/sweep.hpp"

namespace tiersplit::sim {

/// Loads each profile once and derives it for each device once.
class ProfileCache {
 public:
  /// The tenant's profile as seen on `device` ("this-machine": the measured profile as is).
  /// `where` ("FILE: /json/path") prefixes errors about the device.
  std::shared_ptr<const profiles::Profile> get(const std::string& profile_file,
                                               const std::string& device,
                                               const std::string& where);
  /// Puts a ready profile in the cache under (file, device): tests use hand-built profiles.
  void put(const std::string& profile_file, const std::string& device, profiles::Profile p);
  /// A digest of every profile handed out so far (their content, in file order).
  std::string digest() const;

 private:
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const profiles::Profile>> cache_;
};

/// Forward times of the pushdown side's blocks [0, s) at mini-batch n, summed from the profile
/// once per n (for every s at once) and kept: every configuration of the tenant reads them.
class StorageTimes {
 public:
  explicit StorageTimes(std::shared_ptr<const profiles::Profile> profile)
      : profile_(std::move(profile)) {}
  /// Sum of the forward times of blocks [0, split) at batch n [s].
  double blocks(int64_t split, int64_t n) const;

 private:
  std::shared_ptr<const profiles::Profile> profile_;
  mutable std::vector<std::vector<double>> prefix_;  ///< [n][s]: blocks [0, s) at n
};

/// A tenant of a sweep point with its profiles resolved and its freeze index and length fixed.
struct ResolvedTenant {
  TenantParams params;
  std::shared_ptr<const profiles::Profile> storage_profile;  ///< pushdown device
  std::shared_ptr<const profiles::Profile> compute_profile;  ///< training device
  std::shared_ptr<const StorageTimes> storage_times;         ///< from storage_profile
  std::shared_ptr<const EpochSchedule> schedule;             ///< the batches it reads
  int64_t freeze_index = 0;          ///< f: splits are 0..f
  int64_t iterations_per_epoch = 0;  ///< ceil(samples / B)
  int64_t total_iterations = 0;
  int64_t compute_node = 0;
};

/// Resolves and validates every tenant of a point (freeze index within the profile, batch sizes
/// within reach of the measured ones, fixed split <= f). Errors name the scenario file and the
/// tenant's JSON path.
std::vector<ResolvedTenant> resolve_tenants(const Scenario& sc, const SweepPoint& point,
                                            ProfileCache& cache);

/// Consecutive mini-batches computed back to back and sent as one message.
struct Chunk {
  int64_t samples = 0;
  double compute_s = 0;
};

/// What one tenant costs per iteration in one configuration: everything the simulation and the
/// closed form need. Times in seconds, sizes in bytes; all per iteration unless said otherwise.
struct TenantCosts {
  std::string name;
  int64_t split = 0;
  int64_t storage_batch = 1;  ///< b
  int64_t training_batch = 1;  ///< B
  int64_t compute_node = 0;
  double arrival_s = 0;
  int64_t total_iterations = 1;
  int64_t iterations_per_epoch = 1;
  int64_t measure_iterations = 1;  ///< simulated iterations that are measured
  int64_t measure_warmup = -1;     ///< of those, left out of the iteration time (-1: first half)
  int64_t max_chunks = 4;          ///< see SimulationParams::chunks
  bool serial_fetch = false;       ///< see SimulationParams::fetch
  double sent_bytes_per_sample = 0;  ///< stored bytes (s = 0) or activation bytes (s > 0)
  double read_bytes_per_sample = 0;  ///< stored bytes read from disk
  double request_overhead_s = 0;     ///< per object request
  double compute_time_s = 0;         ///< decode (s = 0) + forward [s,f) + train [f,L) at B
  double pushdown_memory_bytes = 0;  ///< sim/memory_rules.hpp; 0 for s = 0
  double storage_decode_per_sample_s = 0;  ///< decoding a stored sample on the storage side
  /// B or b lies beyond the profiles' measured batch sizes: the time model extrapolates there
  /// (within the reach whose error docs/profile-format.md states).
  bool extrapolated = false;
  /// Multiplies every storage-side mini-batch time: 1, or the interference and sensitivity
  /// factors the closed form applies.
  double storage_scale = 1.0;
  std::shared_ptr<const StorageTimes> storage_times;
  std::shared_ptr<const EpochSchedule> schedule;

  /// Samples and object requests of iteration `it` on each of `nodes` storage nodes: the batch
  /// `tiersplit train` reads at that iteration (EpochSchedule).
  std::vector<NodeShare> shares(int64_t it, int64_t nodes) const {
    return schedule->shares(it, nodes);
  }
  /// Storage-side time of one mini-batch of n samples: decode + blocks [0, s); 0 for s = 0.
  double minibatch_time(int64_t n) const;
  /// Storage-side compute time of `samples` samples in mini-batches of b (no disk).
  double storage_compute_time(int64_t samples) const;
  /// The messages a node sends for `samples` samples: the first mini-batches grouped evenly into
  /// at most max_chunks - 1 chunks, then the last mini-batch alone.
  std::vector<Chunk> chunks(int64_t samples) const;
};

/// The costs of one configuration: the point's platform, the prefetch depth, every tenant.
struct ConfigurationCosts {
  PlatformParams platform;
  int64_t prefetch_depth = 1;
  std::vector<TenantCosts> tenants;
};

/// The costs of tenant `t` at `choice`. Throws tiersplit::Error with the tenant's JSON path when
/// the split exceeds f or the storage batch is out of range.
TenantCosts make_tenant_costs(const Scenario& sc, const SweepPoint& point, const ResolvedTenant& t,
                              Choice choice);

/// Whether one pushdown of these costs can ever fit a storage node.
inline bool fits_storage_memory(const TenantCosts& c, const PlatformParams& pf) {
  return c.pushdown_memory_bytes <= pf.storage.memory_bytes;
}

/// Candidate choices of a tenant: its fixed values or the search space.
std::vector<Choice> candidate_choices(const Scenario& sc, const ResolvedTenant& t);

}  // namespace tiersplit::sim
