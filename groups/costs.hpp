// costs.hpp: what a sample and a head cost in a groups workload at one split and storage batch —
// the pushdown's part, the bytes that cross, the worker's extraction and each configuration's head.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "groups/scenario.hpp"
#include "profiles/profile.hpp"
#include "sim/stage_costs.hpp"

namespace tiersplit::groups {

/// The frozen backbone on both tiers: profiles for the pushdown and the worker devices.
struct Backbone {
  std::shared_ptr<const profiles::Profile> storage_profile;
  std::shared_ptr<const profiles::Profile> compute_profile;
  std::shared_ptr<const sim::StorageTimes> storage_times;
  int64_t freeze_index = 0;  ///< f: the heads read the output of block f - 1
};

/// Resolves and checks the backbone of a scenario (freeze index within the model, training batch
/// within reach of the profile). Errors name the file and JSON path.
Backbone resolve_backbone(const GroupsScenario& sc, sim::ProfileCache& cache);

/// One configuration's head on the worker device.
struct HeadCosts {
  bool full_batch = true;  ///< linear: one update per epoch; mlp: one per training batch
  int64_t epochs = 1;
  double parameters = 0;
  double train_s_per_sample = 0;  ///< forward + backward of one sample
  double update_s = 0;            ///< one optimizer step (memory-bound)
  double gradient_bytes = 0;      ///< what an all-reduce or a partial gradient moves
  double model_bytes = 0;         ///< weights + optimizer state: what moves when a model hops
  double memory_bytes = 0;        ///< weights + gradients + state on a worker
  /// Updates in one epoch over `samples` samples.
  int64_t updates(double samples, int64_t batch) const;
};

/// Per-sample costs of the workload at (split, storage batch). Times in seconds, sizes in bytes.
struct GroupsCosts {
  int64_t split = 0;
  int64_t storage_batch = 1;
  int64_t batch = 1;  ///< training batch B
  int64_t freeze_index = 0;
  double storage_s_per_sample = 0;         ///< pushdown: decode + blocks [0, s) at mini-batch b
  double storage_decode_s_per_sample = 0;  ///< the stored sample's decode on a storage node
  /// Blocks [0, s) on the pushdown device at mini-batches of 0..storage_batch samples, from the
  /// profile (empty: storage_s_per_sample for every size). set_minibatch_times fills it.
  std::vector<double> storage_minibatch_s;
  void set_minibatch_times(const sim::StorageTimes& times);
  double read_bytes_per_sample = 0;  ///< stored bytes read from a storage node's disk
  double sent_bytes_per_sample = 0;  ///< crossing the storage-compute network
  double request_overhead_s = 0;     ///< one object read on a storage node (the store's request)
  double samples_per_object = 1;     ///< objects hold one group's samples, in order
  /// The pushdowns run on the storage node's CPU cores, which the object store's reads use too
  /// (a CPU pushdown device); false: on an accelerator, beside the reads.
  bool reads_share_pushdown_cores = false;
  double extract_s_per_sample = 0;      ///< worker: decode (s = 0) + blocks [s, f) at B
  double feature_bytes_per_sample = 0;  ///< the heads' input (output of block f - 1): a cache
  double pushdown_memory_bytes = 0;     ///< one pushdown on a storage node
  double extract_memory_bytes = 0;      ///< worker: weights [s, f) + B x activations
  bool extrapolated = false;            ///< B or b beyond the profiles' measured batch sizes
  std::vector<HeadCosts> heads;         ///< per configuration of the point's workload

  /// Object reads of one pushdown of `samples` consecutive samples of a group: the objects it
  /// touches, 1 + (n - 1) / m on average over where it starts (a piece of m samples mostly
  /// straddles two objects), each a request_overhead_s. The server reads whole objects.
  double requests_s(double samples) const;
  /// One storage node's pushdown compute for `requests` requests carrying `samples` samples in
  /// all: a request's samples run in mini-batches of the storage batch, the last one partial, each
  /// at the profile's time for its size (a small mini-batch costs more per sample; a worker's
  /// share of a sharded mini-batch is small). Decode per sample on top.
  double pushdown_s(double samples, double requests) const;
  /// One storage node's object reads for `requests` requests carrying `samples` in all.
  double reads_s(double samples, double requests) const;
  /// Worker time of the heads `configs` (indices) over `samples` samples for one epoch.
  double heads_s(const std::vector<int>& configs, double samples) const;
};

/// The costs at (split, storage batch) for the point's workload and platform. Throws
/// tiersplit::Error when the split is beyond the freeze index or the storage batch out of reach.
GroupsCosts make_groups_costs(const GroupsScenario& sc, const GroupsPoint& point,
                              const Backbone& bb, int64_t split, int64_t storage_batch);

}  // namespace tiersplit::groups
