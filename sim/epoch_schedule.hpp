// epoch_schedule.hpp: which objects every iteration of a job reads, planned once per data set and
// training batch and shared by every configuration that simulates or screens that job.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "common/epoch_plan.hpp"

namespace tiersplit::sim {

/// Samples and object requests one storage node serves for one iteration.
struct NodeShare {
  int64_t samples = 0;
  int64_t objects = 0;
  bool operator==(const NodeShare& o) const { return samples == o.samples && objects == o.objects; }
  bool operator<(const NodeShare& o) const {
    return samples != o.samples ? samples < o.samples : objects < o.objects;
  }
};

/// One per-node pattern of an iteration (what each storage node serves) and how many of the
/// sampled iterations have it.
struct IterationPattern {
  std::vector<NodeShare> nodes;
  int64_t count = 0;
};

/// The batches of a job's epochs: epoch e is plan_epoch(layout, B, epoch_order_seed(seed, e),
/// order), the same batches `tiersplit train` reads (common/epoch_plan.hpp). An epoch is cut on
/// first use and kept (the most recent few, for data sets of millions of objects), so the
/// configurations of a sweep never plan an epoch again. Not thread-safe: the simulator runs
/// configurations in processes, one at a time in each.
class EpochSchedule {
 public:
  EpochSchedule(int64_t samples, int64_t samples_per_object, int64_t batch, uint64_t seed,
                ObjectOrder order);

  int64_t iterations_per_epoch() const { return iterations_per_epoch_; }
  int64_t batch() const { return batch_; }

  /// Samples and requests of iteration `it` (batch it mod E of epoch it / E) on each of `nodes`
  /// storage nodes, object k living on node k mod nodes.
  std::vector<NodeShare> shares(int64_t it, int64_t nodes) const;

  /// The first min(count, E) iterations grouped by their per-node pattern, in order of first
  /// appearance: the closed form averages over these instead of walking the iterations.
  const std::vector<IterationPattern>& mix(int64_t nodes, int64_t count) const;

 private:
  using Batches = std::vector<std::vector<ObjectRange>>;
  const Batches& epoch(int64_t e) const;

  std::vector<int64_t> layout_;
  int64_t batch_;
  uint64_t seed_;
  ObjectOrder order_;
  int64_t iterations_per_epoch_;
  int64_t objects_ = 0;
  mutable std::map<int64_t, std::shared_ptr<const Batches>> epochs_;
  mutable std::map<std::pair<int64_t, int64_t>, std::vector<IterationPattern>> mixes_;
};

/// The schedule of a data set read at training batch `batch`: one object per distinct
/// (samples, samples per object, batch, seed, order) while any tenant holds it.
std::shared_ptr<const EpochSchedule> epoch_schedule(int64_t samples, int64_t samples_per_object,
                                                    int64_t batch, uint64_t seed,
                                                    ObjectOrder order);

}  // namespace tiersplit::sim
