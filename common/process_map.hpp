// process_map.hpp: work items computed in forked child processes on every core, each returning
// a string (e.g. JSON) to the parent — for CPU-bound work on memory the parent already holds
// (simulations, reports).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace tiersplit {

struct MapOptions {
  int jobs = 0;  ///< child processes; 0: one per core. 1 or a single item: in this process
  /// Called in each child before its first item (e.g. to build a simulation engine).
  std::function<void()> prepare;
  /// Called in this process as each item's result arrives (e.g. a progress bar).
  std::function<void(std::size_t item)> done;
};

/// Calls `work(i)` for i = 0..n-1 in forked children that take items from a shared counter, and
/// returns the strings in item order. A child that throws tiersplit::Error makes this throw it
/// (the first one); any other failure, or a child killed by a signal, throws
/// std::runtime_error.
std::vector<std::string> map_in_processes(std::size_t n,
                                          const std::function<std::string(std::size_t)>& work,
                                          const MapOptions& options = {});

/// Runs `work` in a child forked from this process and returns its string, rethrowing its
/// tiersplit::Error (for work that must start from this process's state, whatever ran before).
std::string in_child(const std::function<std::string()>& work);

}  // namespace tiersplit
