// joint.hpp: closed-form screening: per-tenant shortlists and the joint (multi-tenant) search over
// them.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "optimizer/evaluator.hpp"

namespace tiersplit::optimizer {

/// Useful storage batch: the smallest candidate whose job time is within this fraction of the best
/// batch that fits (larger batches gain less than this).
inline constexpr double kUsefulBatchGain = 0.01;

/// A tenant's best (split, useful storage batch) per split that fits storage memory alone and
/// compute memory, best first by closed-form job time alone (ties by (s, b)); at most `k`, plus no
/// pushdown.
std::vector<sim::Choice> shortlist(PointEvaluator& ev, std::size_t tenant, int64_t prefetch_depth,
                                   std::size_t k);

struct ScreenOptions {
  std::vector<int64_t> prefetch_depths{1};
  std::size_t shortlist = 4;  ///< per tenant
  std::size_t max_exhaustive =
      512;             ///< joint assignments tried exhaustively; beyond: coordinate descent
  int max_rounds = 6;  ///< coordinate descent rounds
};

struct ScreenResult {
  std::string method;                                   ///< "exhaustive" or "coordinate-descent"
  std::vector<std::vector<sim::Choice>> shortlists;     ///< per tenant
  std::vector<std::pair<sim::Configuration, Estimate>> ranked;  ///< feasible assignments, best first
  std::vector<std::string> infeasible;  ///< why rejected ones did not fit (first few)
};

/// Screens the joint assignments (after storage batch adaptation) with the closed form.
ScreenResult screen_joint(PointEvaluator& ev, const ScreenOptions& opt);

/// Assignments that change one tenant's choice of `center` to each of its shortlist entries (and
/// the prefetch depth to each candidate), memory-adapted and deduplicated.
std::vector<sim::Configuration> neighbours(PointEvaluator& ev, const sim::Configuration& center,
                                   const std::vector<std::vector<sim::Choice>>& shortlists,
                                   const std::vector<int64_t>& prefetch_depths);

}  // namespace tiersplit::optimizer
