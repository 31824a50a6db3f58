// run_plan.cpp: each worker's tasks under every strategy (see run_plan.hpp).
#include "real_exec/groups/run_plan.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <sstream>

#include "common/error.hpp"
#include "groups/placement.hpp"

namespace tiersplit::real_exec::groups {

namespace {

std::vector<int64_t> all_configs(int64_t configs) {
  std::vector<int64_t> c(static_cast<std::size_t>(configs));
  std::iota(c.begin(), c.end(), 0);
  return c;
}

/// A task held by one worker alone.
Task whole(int64_t group, int64_t samples, std::vector<int64_t> configs, int worker) {
  Task t;
  t.group = group;
  t.group_samples = samples;
  t.count = samples;
  t.configs = std::move(configs);
  t.holders = {worker};
  t.shard_counts = {samples};
  return t;
}

/// Group `g` cut into `counts` (per holder, in order), one task per holder.
void add_sharded(RunPlan& plan, int64_t g, int64_t samples, const std::vector<int>& holders,
                 const std::vector<int64_t>& counts, Sync sync, int64_t configs) {
  int64_t first = 0;
  for (std::size_t h = 0; h < holders.size(); ++h) {
    Task t = whole(g, samples, all_configs(configs), holders[h]);
    t.first = first;
    t.count = counts[h];
    t.holders = holders;
    t.shard_counts = counts;
    t.sync = holders.size() > 1 ? sync : Sync::kNone;
    plan.workers[static_cast<std::size_t>(holders[h])].push_back(t);
    first += counts[h];
  }
}

/// Every worker an equal shard (the first n mod P one sample more), as DDP's sampler.
void add_everywhere(RunPlan& plan, int64_t g, int64_t samples, int workers, int64_t configs) {
  std::vector<int> holders(static_cast<std::size_t>(workers));
  std::iota(holders.begin(), holders.end(), 0);
  std::vector<int64_t> counts;
  for (int w = 0; w < workers; ++w) counts.push_back(samples / workers + (w < samples % workers));
  add_sharded(plan, g, samples, holders, counts, Sync::kAllReduce, configs);
}

/// `groups` whole, longest first onto the least loaded worker; per group all configurations
/// (GTP) or one task per (group, configuration) (MTP).
void add_task_parallel(RunPlan& plan, const std::vector<int64_t>& sizes,
                       const std::vector<int64_t>& groups, int64_t configs, bool per_config) {
  std::vector<std::pair<int64_t, int64_t>> tasks;  // (group, configuration or -1)
  std::vector<double> weights;
  for (int64_t g : groups) {
    for (int64_t c = 0; c < (per_config ? configs : 1); ++c) {
      tasks.emplace_back(g, per_config ? c : -1);
      weights.push_back(static_cast<double>(sizes[g]) * (per_config ? 1.0 : configs));
    }
  }
  auto assigned =
      tiersplit::groups::longest_first(weights, static_cast<int64_t>(plan.workers.size()));
  for (std::size_t w = 0; w < assigned.size(); ++w) {
    for (std::size_t i : assigned[w]) {
      const auto [g, c] = tasks[i];
      plan.workers[w].push_back(
          whole(g, sizes[g], c < 0 ? all_configs(configs) : std::vector<int64_t>{c}, int(w)));
    }
  }
}

void add_grouped(RunPlan& plan, Placement placement, const std::vector<int64_t>& sizes,
                 int64_t configs) {
  const int P = static_cast<int>(plan.workers.size());
  auto shares = placement == Placement::kWrapAround ? tiersplit::groups::wrap_around(sizes, P)
                                                    : tiersplit::groups::balanced(sizes, P);
  std::vector<std::vector<int64_t>> counts(sizes.size());  // per group, per holder
  std::vector<std::vector<int>> holders(sizes.size());
  for (int w = 0; w < P; ++w) {
    for (const auto& s : shares[static_cast<std::size_t>(w)]) {
      holders[s.group] = s.workers;
      counts[s.group].resize(s.workers.size());
      counts[s.group][static_cast<std::size_t>(s.holder)] = s.samples;
    }
  }
  for (std::size_t g = 0; g < sizes.size(); ++g)
    add_sharded(plan, int64_t(g), sizes[g], holders[g], counts[g], Sync::kGap, configs);
}

/// Ids in plan order; on every worker, synchronised tasks first in id order (their holders meet
/// in that order, so no two wait on each other), then its own tasks.
void number_and_order(RunPlan& plan) {
  std::map<std::pair<int64_t, int64_t>, int64_t> ids;  // (group, first config) -> id
  for (auto& tasks : plan.workers) {
    for (auto& t : tasks) {
      auto key = std::make_pair(t.group, t.holders.size() > 1 ? -1 : t.configs.front());
      auto it = ids.find(key);
      if (it == ids.end()) it = ids.emplace(key, int64_t(ids.size())).first;
      t.id = it->second;
    }
  }
  for (auto& tasks : plan.workers) {
    std::stable_sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) {
      const bool sa = a.sync != Sync::kNone, sb = b.sync != Sync::kNone;
      if (sa != sb) return sa;
      return sa && a.group < b.group;
    });
  }
}

}  // namespace

const char* to_string(Sync s) {
  switch (s) {
    case Sync::kNone:
      return "none";
    case Sync::kAllReduce:
      return "all-reduce";
    case Sync::kGap:
      return "gap";
  }
  return "?";
}

RunPlan plan_run(Strategy strategy, Placement placement, Extraction extraction,
                 const std::vector<int64_t>& sizes, int64_t configs, int workers) {
  if (workers < 1) fail("a groups run needs at least one worker, got ", workers);
  if (configs < 1) fail("a groups run needs at least one configuration");
  if (strategy == Strategy::kMtp && extraction == Extraction::kShared)
    fail(
        "strategy mtp trains one configuration per task: a shared stream has nothing to share "
        "(use per-config or cached)");
  RunPlan plan;
  plan.workers.resize(static_cast<std::size_t>(workers));
  std::vector<int64_t> every(sizes.size());
  std::iota(every.begin(), every.end(), 0);
  switch (strategy) {
    case Strategy::kMtp:
      add_task_parallel(plan, sizes, every, configs, true);
      break;
    case Strategy::kGtp:
      add_task_parallel(plan, sizes, every, configs, false);
      break;
    case Strategy::kDp:
      for (int64_t g : every) add_everywhere(plan, g, sizes[g], workers, configs);
      break;
    case Strategy::kSp: {
      std::vector<int64_t> sorted = sizes;
      std::sort(sorted.begin(), sorted.end());
      const int64_t median = sorted[sorted.size() / 2];
      std::vector<int64_t> small;
      for (int64_t g : every) {
        if (sizes[g] > median)
          add_everywhere(plan, g, sizes[g], workers, configs);
        else
          small.push_back(g);
      }
      add_task_parallel(plan, sizes, small, configs, false);
      break;
    }
    case Strategy::kGl:
      add_grouped(plan, placement, sizes, configs);
      break;
  }
  number_and_order(plan);
  return plan;
}

int64_t steps_per_epoch(int64_t samples, int64_t batch) {
  return std::max<int64_t>(1, (samples + batch - 1) / batch);
}

std::pair<int64_t, int64_t> piece(int64_t count, int64_t k, int64_t steps) {
  return {count * k / steps, count * (k + 1) / steps};
}

std::string describe(const RunPlan& plan) {
  std::ostringstream out;
  for (std::size_t w = 0; w < plan.workers.size(); ++w) {
    for (const Task& t : plan.workers[w]) {
      out << "w" << w << ": task " << t.id << " g" << t.group << "[" << t.first << ","
          << t.first + t.count << ") of " << t.group_samples << ", configurations";
      for (int64_t c : t.configs) out << " " << c;
      if (t.sync != Sync::kNone) out << ", " << to_string(t.sync) << " over " << t.holders.size();
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace tiersplit::real_exec::groups
