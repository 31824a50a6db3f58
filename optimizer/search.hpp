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
  /// Joint configurations screened exhaustively; beyond: coordinate descent.
  std::size_t max_exhaustive = 512;
  /// Best screened configurations simulated per point at first.
  std::size_t confirm = 6;
  /// Candidates simulated per point and round of the descent: one-change neighbours of the best
  /// simulated configuration, further screened ones and the other points' best, the best by the
  /// closed form corrected with what the simulation found for that best (0: all).
  std::size_t neighbours = 8;
  /// Rounds of that descent (it stops earlier once no point has a candidate left).
  int simulation_rounds = 3;
  /// Where simulating a configuration is long (its tenants together run more than `rank_above`
  /// iterations: many tenants, long windows), the point spends less: `long_confirm` and
  /// `long_neighbours` instead of confirm and neighbours, every candidate and baseline simulated
  /// to rank them (every tenant arriving at once, `rank_iterations` measured iterations each
  /// instead of the scenario's), and the chosen one then in full. rank_iterations 0: always in
  /// full.
  std::size_t long_confirm = 1;
  std::size_t long_neighbours = 1;
  int64_t rank_iterations = 10;
  double rank_above = 2000;
  /// Simulation worker processes; 0: all cores.
  int jobs = 0;
  bool progress = true;
};

/// Long points searched like the others, every candidate simulated in full
/// (`tiersplit recommend --thorough`; bench_recommend compares both).
RecommendOptions thorough(RecommendOptions opt);

/// Recommends per sweep point: screens with the closed form, simulates the best few and the
/// baselines, descends by simulation, simulates the choice in full. Simulations run in forked
/// workers; this process never creates a SimGrid engine. Throws tiersplit::Error when no
/// configuration is feasible (naming why).
Recommendation recommend(const sim::Scenario& sc, sim::ProfileCache& cache,
                         const RecommendOptions& opt);

}  // namespace tiersplit::optimizer
