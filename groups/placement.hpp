// placement.hpp: which worker holds which group (or which part of it) — wrap-around and balanced
// placement for grouped learning, longest-first assignment of tasks for task parallelism.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tiersplit::groups {

/// A group's part on one worker.
struct Share {
  int64_t group = 0;
  int64_t samples = 0;
  int holder = 0;            ///< its index among the group's holders (0: the owner)
  int holders = 1;           ///< workers holding a part of the group (1: not sharded)
  std::vector<int> workers;  ///< every holder, owner first
};

/// Per worker, the parts it holds, in placement order.
using Placement2D = std::vector<std::vector<Share>>;

/// Wrap-around (Kingpin): groups largest first; a group larger than n/P is sharded over
/// consecutive workers, each filled to n/P, continuing from where the previous group stopped;
/// a group of at most n/P goes whole to the current worker while it has room for it, else to
/// the next (the last worker takes what is left). Only groups larger than n/P are sharded.
Placement2D wrap_around(const std::vector<int64_t>& sizes, int64_t workers);

/// Balanced: each group larger than n/P is sharded into ceil(size / (n/P)) equal parts on the
/// least loaded workers, then the other groups, largest first, each go whole to the least loaded
/// worker.
Placement2D balanced(const std::vector<int64_t>& sizes, int64_t workers);

/// Longest processing time first: `weights` (one per task), largest first, each to the least
/// loaded worker (ties: the lowest index). Per worker, its tasks in assignment order.
std::vector<std::vector<std::size_t>> longest_first(const std::vector<double>& weights,
                                                    int64_t workers);

}  // namespace tiersplit::groups
