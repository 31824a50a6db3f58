// baselines.hpp: the four baseline policies reported beside every choice.
#pragma once

#include <string>
#include <vector>

#include "optimizer/evaluator.hpp"
#include "optimizer/reference_policy.hpp"

namespace tiersplit::optimizer {

/// A baseline's joint assignment (all tenants follow the policy), after storage batch adaptation.
struct BaselinePlan {
  std::string name;
  sim::Configuration configuration;
  bool feasible = true;
  std::string note;
};

/// Non-overlapped time per iteration the reference formula adds [s] (deserialisation and batch
/// assembly; not modelled by the simulator, so 0).
inline constexpr double kReferenceNonOverlapS = 0.0;
/// Storage batch the reference system uses by default.
inline constexpr int64_t kReferenceStorageBatch = 16;

/// The reference formula's stage times of tenant t at split s (storage batch b), from its plan:
/// T_S = disk read + request overheads + storage compute + bytes / bandwidth; T_C = compute stage.
ReferenceStages reference_stages(PointEvaluator& ev, std::size_t t, sim::Choice c);

/// no-pushdown (s = 0), all-frozen (s = f), smallest-output (split in 1..f with the smallest
/// output per sample), reference-policy (the reference system's formula); prefetch depth as
/// given. A tenant whose baseline pushdown fits at no storage batch falls back to s = 0 (noted).
std::vector<BaselinePlan> baseline_plans(PointEvaluator& ev, int64_t prefetch_depth);

}  // namespace tiersplit::optimizer
