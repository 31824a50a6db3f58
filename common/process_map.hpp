// process_map.hpp: work items computed in forked child processes on every core, each returning
// a string (e.g. JSON) to the parent — for CPU-bound work on memory the parent already holds.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace tiersplit {

/// Calls `work(i)` for i = 0..n-1 in up to `jobs` forked children (0: one per core; 1 or n <= 1:
/// here, in this process) and returns the strings in order. A child that throws
/// tiersplit::Error makes this throw it; any other failure throws std::runtime_error.
std::vector<std::string> map_in_processes(std::size_t n, int jobs,
                                          const std::function<std::string(std::size_t)>& work);

}  // namespace tiersplit
