// point_search.hpp: one sweep point's search as recommend() runs it — its evaluator, screening,
// baselines, the fidelity its candidates are simulated at — and what the report reads of it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "optimizer/baselines.hpp"
#include "optimizer/evaluator.hpp"
#include "optimizer/joint.hpp"
#include "optimizer/recommendation.hpp"
#include "optimizer/search.hpp"
#include "optimizer/sim_judge.hpp"
#include "sim/study.hpp"

namespace tiersplit::optimizer {

struct PointSearch {
  std::unique_ptr<PointEvaluator> ev;
  ScreenResult screen;
  std::vector<BaselinePlan> baselines;
  std::vector<int64_t> depths;  ///< prefetch depths tried
  /// Candidates and baselines are simulated at this fidelity (kRank where a simulation is long);
  /// the choice is then simulated in full.
  Fidelity search = Fidelity::kFull;
  sim::Configuration chosen;
};

/// The joint goal's measure of an estimate: sum of job times or makespan.
double measure(const Estimate& e, JointGoal goal);

/// Whether every tenant's choice in `c` is in its search space (baselines may not be: fixed
/// values kept with --respect-fixed, or /search/splits and /search/storage_batches).
bool in_search_space(const PointEvaluator& ev, const sim::Configuration& c);

/// Storage-side busy seconds of the whole job (pushdown compute).
double storage_seconds(PointEvaluator& ev, const sim::Configuration& c);

/// Configurations of the point simulated at its search fidelity that may be chosen.
std::vector<sim::Configuration> eligible(const PointSearch& ps, const SimJudge& judge);

/// The point's report: the choice (simulated in full), baselines, runner-ups and sensitivity.
PointRecommendation report_point(PointSearch& ps, const SimJudge& judge, const sim::Study& study,
                                 std::size_t pi, const RecommendOptions& opt);

}  // namespace tiersplit::optimizer
