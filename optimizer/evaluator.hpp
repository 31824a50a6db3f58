// evaluator.hpp: one sweep point as the optimizer sees it: candidates, tenant costs, memory
// rules, closed-form estimates of configurations.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "sim/closed_form.hpp"
#include "sim/stage_costs.hpp"
#include "sim/study.hpp"

namespace tiersplit::optimizer {

/// Closed-form (or simulated) outcome of a configuration.
struct Estimate {
  bool feasible = true;
  std::string why;            ///< when not feasible
  std::vector<double> job_s;  ///< per tenant, from its arrival
  std::vector<double> iteration_s;
  double makespan_s = 0;   ///< max over tenants of arrival + job
  double total_job_s = 0;  ///< sum of job times
};

/// What the joint search minimises first: the sum of the tenants' job times (default; no tenant's
/// time is ignored) or the makespan; the other one breaks ties.
enum class JointGoal { kTotalJobTime, kMakespan };

/// True when `a` is better than `b`: feasible first, then the goal's measure (relative tolerance
/// 1e-9), then the other measure, then the configurations' order (prefetch depth, then (s, b)
/// per tenant).
bool better(const Estimate& ea, const sim::Configuration& a, const Estimate& eb, const sim::Configuration& b,
            JointGoal goal = JointGoal::kTotalJobTime);

/// Scaling of the platform for sensitivity: network bandwidth x bandwidth_factor, storage-side
/// compute speed x storage_speed_factor (mini-batch times / factor).
struct Scaling {
  double bandwidth_factor = 1.0;
  double storage_speed_factor = 1.0;
};

class PointEvaluator {
 public:
  /// `respect_fixed`: tenants with a fixed split / storage batch keep it; otherwise every tenant
  /// searches.
  PointEvaluator(const sim::Study& study, std::size_t point, bool respect_fixed,
                 JointGoal goal = JointGoal::kTotalJobTime);
  JointGoal goal() const { return goal_; }

  std::size_t tenants() const { return tenants_.size(); }
  const sim::ResolvedTenant& tenant(std::size_t t) const { return tenants_[t]; }
  const sim::SweepPoint& point() const { return study_.points[point_]; }
  std::size_t point_index() const { return point_; }
  /// The tenant's candidate splits (ascending) and storage batches (ascending).
  const std::vector<int64_t>& splits(std::size_t t) const { return splits_[t]; }
  const std::vector<int64_t>& batches(std::size_t t) const { return batches_[t]; }

  /// A configuration of this point: prefetch depth and choices, nothing reported specially.
  sim::Configuration configuration(int64_t prefetch_depth, std::vector<sim::Choice> choices) const;

  const sim::TenantCosts& costs(std::size_t t, sim::Choice c);
  double storage_memory(std::size_t t, sim::Choice c) { return costs(t, c).pushdown_memory_bytes; }
  double compute_memory(std::size_t t, int64_t split) const;
  double storage_capacity() const { return point().platform.storage.memory_bytes; }
  double compute_capacity() const { return point().platform.compute.memory_bytes; }

  /// Storage memory one node holds for `a` (every tenant's objects are spread over every node).
  double storage_memory_used(const sim::Configuration& a);
  /// Compute memory used on compute node `node`.
  double compute_memory_used(const sim::Configuration& a, int64_t node) const;

  /// Storage batch adaptation: while the pushdowns do not fit a storage node together, lowers the
  /// storage batch of the tenant with the largest pushdown to its next smaller candidate. False
  /// (with `why`) when the smallest batches still do not fit, or compute memory does not fit.
  bool fit_memory(sim::Configuration& a, std::string* why);

  /// Closed forms of every tenant of `a` (kept: configurations are estimated again and again).
  const std::vector<sim::ClosedForm>& forms(const sim::Configuration& a,
                                            const Scaling& scaling = {});
  /// Closed-form estimate of every tenant (shared resources included).
  Estimate estimate(const sim::Configuration& a, const Scaling& scaling = {});
  /// Closed-form (job, iteration) time of tenant t only, the others as in `a` (one closed form).
  std::pair<double, double> estimate_one(const sim::Configuration& a, std::size_t t,
                                         const Scaling& scaling = {});
  /// Closed-form job time of tenant t alone.
  double alone_job(std::size_t t, sim::Choice c, int64_t prefetch_depth);

  std::size_t closed_form_evaluations() const { return evaluations_; }

 private:
  std::vector<sim::TenantCosts> scaled_costs(const sim::Configuration& a, const Scaling& scaling);

  const sim::Study& study_;
  std::size_t point_;
  std::vector<sim::ResolvedTenant> tenants_;
  std::vector<std::vector<int64_t>> splits_, batches_;
  std::map<std::tuple<std::size_t, int64_t, int64_t>, sim::TenantCosts> costs_;
  std::map<std::tuple<sim::Configuration, double, double>, std::vector<sim::ClosedForm>> forms_;
  std::size_t evaluations_ = 0;
  JointGoal goal_;
};

}  // namespace tiersplit::optimizer
