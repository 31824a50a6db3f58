// run_plan.hpp: who trains what in a real groups run — each worker's tasks (a group or a shard of
// one, the configurations trained on it, the workers that share it and how they synchronise),
// from the same placements the simulator uses. No LibTorch.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "groups/scenario.hpp"

namespace tiersplit::real_exec::groups {

using tiersplit::groups::Extraction;
using tiersplit::groups::Placement;
using tiersplit::groups::Strategy;

/// How the holders of a sharded group combine their gradients before each update.
enum class Sync {
  kNone,       ///< one holder: nothing to combine
  kAllReduce,  ///< DP: an all-reduce over every worker (Gloo), as DDP does
  kGap,        ///< GL: partial gradients sent to the owner, the sum sent back (Gloo send/recv)
};
const char* to_string(Sync s);

/// One task of one worker: its shard of a group's training samples and the configurations it
/// trains there. Holders of one sharded task share its id and run their sharded tasks in id order,
/// so that their collectives meet.
struct Task {
  int64_t id = 0;
  int64_t group = 0;
  int64_t group_samples = 0;          ///< the whole group's training samples
  int64_t first = 0, count = 0;       ///< this worker's shard: samples [first, first + count)
  std::vector<int64_t> configs;       ///< configuration indices trained in this task
  std::vector<int> holders;           ///< workers holding a shard, owner (who evaluates) first
  std::vector<int64_t> shard_counts;  ///< per holder, in `holders` order
  Sync sync = Sync::kNone;
  bool owner(int worker) const { return holders.front() == worker; }
};

/// Every worker's tasks, in the order it runs them.
struct RunPlan {
  std::vector<std::vector<Task>> workers;
};

/// The plan of `strategy` for groups of `group_samples` training samples, `configs`
/// configurations and `workers` workers. MTP: one task per (group, configuration), longest first
/// onto the least loaded worker; GTP: one task per group likewise; DP: every group sharded over
/// all workers (all-reduce); SP: DP for groups above the median size, GTP for the rest; GL: the
/// placement's shares, sharded groups with GAP. Fails with one line for a shared stream under
/// MTP (it has one configuration per task).
RunPlan plan_run(Strategy strategy, Placement placement, Extraction extraction,
                 const std::vector<int64_t>& group_samples, int64_t configs, int workers);

/// Update steps per epoch of a group of `samples` at training batch `batch` (a full-batch head
/// updates once, but streams in the same pieces).
int64_t steps_per_epoch(int64_t samples, int64_t batch);

/// The samples of piece `k` of `steps` of a shard of `count`: [first, second) within the shard.
/// Every holder cuts its shard into the same number of pieces; piece k of every holder together
/// is the k-th mini-batch.
std::pair<int64_t, int64_t> piece(int64_t count, int64_t k, int64_t steps);

/// "w0: g2[0,120) c{0,1} dp" lines, one per task (for --dry-run and logs).
std::string describe(const RunPlan& plan);

}  // namespace tiersplit::real_exec::groups
