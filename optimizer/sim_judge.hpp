// sim_judge.hpp: the optimizer's simulations — configurations simulated through the shared
// worker pool, each once, at full fidelity or, to rank candidates where a simulation is long,
// with a shorter measured window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "optimizer/evaluator.hpp"
#include "sim/configuration.hpp"
#include "sim/results.hpp"
#include "sim/study.hpp"

namespace tiersplit::optimizer {

/// How closely a configuration was simulated: as the scenario says (kFull), or to rank candidates
/// at a fraction of the cost (kRank): every tenant arriving at once and a shorter measured window
/// (RecommendOptions::rank_iterations).
enum class Fidelity { kRank, kFull };

class SimJudge {
 public:
  /// `rank_iterations` (> 0) caps simulation.iterations for kRank; 0 or more than the scenario's
  /// makes kRank the same as kFull.
  SimJudge(const sim::Study& base, int64_t rank_iterations, int jobs, bool progress);

  /// Simulates every configuration of `wanted` not simulated yet at `fidelity` (in parallel).
  void run(const std::vector<sim::Configuration>& wanted, Fidelity fidelity);

  bool has(const sim::Configuration& c, Fidelity fidelity) const;
  /// The rows of `c` at `fidelity` (it must have been run), one per tenant in order.
  const std::vector<sim::TenantResult>& rows(const sim::Configuration& c, Fidelity fidelity) const;
  /// Job times, makespan and sum of job times of `c` at `fidelity`.
  Estimate estimate(const sim::Configuration& c, Fidelity fidelity) const;
  /// Every configuration of point `pi` simulated at `fidelity`, in order.
  std::vector<sim::Configuration> of_point(std::size_t pi, Fidelity fidelity) const;
  /// Configurations simulated at any fidelity, and at a shorter window.
  std::size_t simulated() const { return simulated_; }
  std::size_t ranked() const { return ranked_; }
  /// Whether kRank differs from kFull (a shorter window than the scenario's).
  bool ranks_shorter() const { return rank_is_shorter_; }

 private:
  const sim::Study& full_;
  sim::Study rank_;
  bool rank_is_shorter_ = false;
  int jobs_;
  bool progress_;
  std::map<sim::Configuration, std::vector<sim::TenantResult>> results_[2];
  std::size_t simulated_ = 0, ranked_ = 0;
};

}  // namespace tiersplit::optimizer
