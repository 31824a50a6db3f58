// search.hpp: `recommend`: screen every configuration with the closed form, confirm the best with
// SimGrid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "optimizer/evaluator.hpp"
#include "optimizer/recommendation.hpp"
#include "sim/scenario.hpp"
#include "sim/stage_costs.hpp"

namespace tiersplit::optimizer {

struct RecommendOptions {
  std::string objective =
      "time";  ///< "time": shortest makespan; "storage": least storage-side busy
               ///< time, "network": fewest bytes, both within `tolerance` of it
  /// Objective slack, runner-ups and sensitivity: 5%.
  double tolerance = 0.05;
  /// Prefetch depths tried; empty: {1, 2, 4} and the scenario's (only the point's when swept).
  std::vector<int64_t> prefetch_depths;
  /// Joint goal: sum of job times (default) or makespan first.
  JointGoal goal = JointGoal::kTotalJobTime;
  /// Keep tenants' fixed split / storage batch from the scenario (default: search every tenant).
  bool respect_fixed = false;
  /// Splits per tenant in the joint search.
  std::size_t shortlist = 4;
  /// Joint assignments screened exhaustively; beyond: coordinate descent.
  std::size_t max_exhaustive = 512;
  /// Best screened assignments simulated per point.
  std::size_t confirm = 6;
  /// One-change neighbours simulated per round (best by closed form); 0: all.
  std::size_t neighbours = 8;
  /// Coordinate descent rounds judged by simulation (points whose joint space was too large).
  int simulation_rounds = 3;
  /// Simulation worker processes; 0: all cores.
  int jobs = 0;
  bool progress = true;
};

/// Recommends per sweep point. Simulations run in forked workers; this process never creates a
/// SimGrid engine. Throws tiersplit::Error when no configuration is feasible (naming why).
Recommendation recommend(const sim::Scenario& sc, sim::ProfileCache& cache,
                         const RecommendOptions& opt);

}  // namespace tiersplit::optimizer
