// plan.hpp: what every worker does, in order, under one groups configuration (strategy,
// extraction, split, storage batch, placement) — the plan the closed form estimates and the
// SimGrid model runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "groups/costs.hpp"
#include "groups/placement.hpp"
#include "groups/scenario.hpp"

namespace tiersplit::groups {

enum class StepKind {
  kStream,     ///< samples through the pushdown to the worker: blocks [s, f), heads, cache write
  kCacheRead,  ///< samples' features from the worker's cache, heads
  kCompute,    ///< worker compute only (heads on a shard whose features it holds, an update)
  kSend,       ///< a message to another worker (partial gradients, a model), not waited for
  kRecv,       ///< a message from another worker, waited for
};
const char* to_string(StepKind k);

struct Step {
  StepKind kind = StepKind::kStream;
  int64_t group = -1;
  int64_t epoch = 0;   ///< 1-based; 0: several epochs in one step
  double samples = 0;  ///< stream: from storage; cache read: from the cache
  /// Stream: one storage node's pushdown compute and object reads for the requests the step
  /// stands for, as workers make them: one per mini-batch of the group per epoch (a holder of a
  /// shard asks for its part of each), each node its share.
  double storage_s = 0, reads_s = 0;
  double compute_s = 0;          ///< worker: extraction of streamed samples + heads + updates
  double cache_write_bytes = 0;  ///< stream: features written to the worker's cache
  double cache_read_bytes = 0;   ///< cache read
  double bytes = 0;              ///< send / recv: the message; with an all-reduce: per participant
  int64_t count = 0;             ///< synchronisations this step stands for (latency each)
  int peer = -1;                 ///< send / recv: the other worker
  int64_t tag = -1;              ///< send / recv: matches a send with its recv
  /// Stream or cache read under DP: the all-reduce id (the same on every participant; -1: none).
  /// Its `count` calls and `bytes` are spread over the step's pieces: after each piece's compute
  /// the worker waits for every participant, then takes part in a ring, as DDP does between
  /// mini-batches while the next ones are read.
  int64_t collective = -1;
  /// With an all-reduce: the largest shard among its participants (pieces are cut from it, so
  /// that every participant has as many).
  double collective_samples = 0;
  int heads = 0;       ///< heads trained in the step (labels, traces)
  int64_t repeat = 1;  ///< epochs this step stands for (from `epoch` on)
  std::string what;    ///< send / recv: "partials", "model", "model of configuration c"
};

/// "g12 e3 stream, 12 head(s)" (for traces and timelines).
std::string describe(const Step& step);

/// Pieces a stream or cache read step is cut into for pipelining: one per mini-batch of `batch`,
/// at most `chunks`. Steps of one all-reduce get the same count on every participant (from the
/// largest shard, not the worker's own), so that they meet at each piece.
int64_t step_pieces(const Step& step, int64_t batch, int64_t chunks);

struct Plan {
  GroupsChoice choice;
  bool feasible = true;
  std::string why;                           ///< when not feasible
  std::vector<std::vector<Step>> workers;    ///< per worker, in order
  std::vector<int> collective_participants;  ///< per collective id
  std::string cache_location = "none";       ///< "memory", "disk" or "none"
  double cache_bytes = 0;                    ///< the largest cache a worker holds
  double worker_memory_bytes = 0;            ///< the largest a worker needs (heads, activations,
                                             ///< a cache in memory)
  double stream_samples = 0;                 ///< samples read through the pushdown, all workers
  int64_t syncs = 0;                         ///< collectives + messages between workers
  double sync_bytes = 0;                     ///< bytes between workers
  int64_t sharded_groups = 0;
};

/// The plan of `choice` for the point's workload on its P workers at `costs` (the choice's split
/// and storage batch). Not feasible (with why) when a cache, the heads or the pushdowns cannot
/// fit, or the combination makes no sense (shared streams under MTP).
Plan build_plan(const GroupsPoint& point, const GroupsCosts& costs, const GroupsChoice& choice);

}  // namespace tiersplit::groups
