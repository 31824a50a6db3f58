// evaluator.cpp: tenant costs, memory adaptation and closed-form estimates of one sweep point.
#include "optimizer/evaluator.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "common/units.hpp"
#include "sim/memory_rules.hpp"

namespace tiersplit::optimizer {

bool better(const Estimate& ea, const sim::Configuration& a, const Estimate& eb, const sim::Configuration& b,
            JointGoal goal) {
  if (ea.feasible != eb.feasible) return ea.feasible;
  auto differ = [](double x, double y) {
    return std::fabs(x - y) > 1e-9 * std::max(std::fabs(x), std::fabs(y));
  };
  const bool total_first = goal == JointGoal::kTotalJobTime;
  const double a1 = total_first ? ea.total_job_s : ea.makespan_s,
               b1 = total_first ? eb.total_job_s : eb.makespan_s;
  const double a2 = total_first ? ea.makespan_s : ea.total_job_s,
               b2 = total_first ? eb.makespan_s : eb.total_job_s;
  if (differ(a1, b1)) return a1 < b1;
  if (differ(a2, b2)) return a2 < b2;
  return a < b;
}

PointEvaluator::PointEvaluator(const sim::Study& study, std::size_t point, bool respect_fixed,
                               JointGoal goal)
    : study_(study), point_(point), tenants_(study.tenants[point]), goal_(goal) {
  for (auto& t : tenants_) {
    sim::ResolvedTenant searching = t;
    if (!respect_fixed) {
      searching.params.split = -1;
      searching.params.storage_batch = -1;
    }
    std::set<int64_t> s, b;
    for (const sim::Choice& c : sim::candidate_choices(study.scenario, searching)) {
      s.insert(c.split);
      b.insert(c.storage_batch);
    }
    splits_.emplace_back(s.begin(), s.end());
    batches_.emplace_back(b.begin(), b.end());
  }
}

sim::Configuration PointEvaluator::configuration(int64_t prefetch_depth,
                                                 std::vector<sim::Choice> choices) const {
  sim::Configuration c;
  c.point = point_;
  c.prefetch_depth = prefetch_depth;
  c.choices = std::move(choices);
  return c;
}

const sim::TenantCosts& PointEvaluator::costs(std::size_t t, sim::Choice c) {
  auto key = std::make_tuple(t, c.split, c.storage_batch);
  auto it = costs_.find(key);
  if (it != costs_.end()) return it->second;
  return costs_.emplace(key, sim::make_tenant_costs(study_.scenario, point(), tenants_[t], c))
      .first->second;
}

double PointEvaluator::compute_memory(std::size_t t, int64_t split) const {
  const auto& rt = tenants_[t];
  return sim::compute_memory_bytes(*rt.compute_profile, split, rt.freeze_index, rt.params.batch_size);
}

double PointEvaluator::storage_memory_used(const sim::Configuration& a) {
  double used = 0;
  for (std::size_t t = 0; t < tenants_.size(); ++t) used += storage_memory(t, a.choices[t]);
  return used;
}

double PointEvaluator::compute_memory_used(const sim::Configuration& a, int64_t node) const {
  double used = 0;
  for (std::size_t t = 0; t < tenants_.size(); ++t) {
    if (tenants_[t].compute_node == node) used += compute_memory(t, a.choices[t].split);
  }
  return used;
}

bool PointEvaluator::fit_memory(sim::Configuration& a, std::string* why) {
  for (int64_t node = 0; node < point().platform.compute.nodes; ++node) {
    double used = compute_memory_used(a, node);
    if (used > compute_capacity()) {
      if (why) {
        *why = "compute node " + std::to_string(node) + " would need " + format_bytes(used) +
               " of " + format_bytes(compute_capacity());
      }
      return false;
    }
  }
  for (;;) {
    double used = storage_memory_used(a);
    if (used <= storage_capacity()) return true;
    // Lower the largest pushdown that can still be lowered.
    std::size_t pick = tenants_.size();
    double largest = -1;
    for (std::size_t t = 0; t < tenants_.size(); ++t) {
      const sim::Choice& c = a.choices[t];
      if (c.split == 0 || c.storage_batch <= batches_[t].front()) continue;
      double m = storage_memory(t, c);
      if (m > largest) {
        largest = m;
        pick = t;
      }
    }
    if (pick == tenants_.size()) {
      if (why) {
        *why = "pushdowns need " + format_bytes(used) +
               " of storage memory at their smallest storage batches, a " + "storage node has " +
               format_bytes(storage_capacity());
      }
      return false;
    }
    auto& bs = batches_[pick];
    int64_t cur = a.choices[pick].storage_batch;
    int64_t lower = bs.front();
    for (int64_t b : bs) {
      if (b < cur) lower = b;
    }
    a.choices[pick].storage_batch = lower;
  }
}

namespace {

sim::PlatformParams scaled_platform(sim::PlatformParams pf, const Scaling& scaling) {
  if (scaling.bandwidth_factor != 1.0) {
    auto& n = pf.network;
    n.bandwidth *= scaling.bandwidth_factor;
    n.storage_nic *= scaling.bandwidth_factor;
    n.compute_nic *= scaling.bandwidth_factor;
    n.core_bandwidth *= scaling.bandwidth_factor;
  }
  return pf;
}

}  // namespace

std::vector<sim::TenantCosts> PointEvaluator::scaled_costs(const sim::Configuration& a,
                                                          const Scaling& scaling) {
  std::vector<sim::TenantCosts> out;
  for (std::size_t t = 0; t < tenants_.size(); ++t) {
    out.push_back(costs(t, a.choices[t]));
    out.back().storage_scale /= scaling.storage_speed_factor;
  }
  return out;
}

const std::vector<sim::ClosedForm>& PointEvaluator::forms(const sim::Configuration& a,
                                                          const Scaling& scaling) {
  ++evaluations_;
  auto key = std::make_tuple(a, scaling.bandwidth_factor, scaling.storage_speed_factor);
  auto it = forms_.find(key);
  if (it != forms_.end()) return it->second;
  const sim::PlatformParams pf = scaled_platform(point().platform, scaling);
  return forms_.emplace(key, sim::closed_forms(scaled_costs(a, scaling), pf, a.prefetch_depth))
      .first->second;
}

std::pair<double, double> PointEvaluator::estimate_one(const sim::Configuration& a, std::size_t t,
                                                       const Scaling& scaling) {
  const sim::ClosedForm& cf = forms(a, scaling)[t];
  return {cf.job_s, cf.iteration_s};
}

Estimate PointEvaluator::estimate(const sim::Configuration& a, const Scaling& scaling) {
  Estimate e;
  const std::vector<sim::ClosedForm>& all = forms(a, scaling);
  for (std::size_t t = 0; t < tenants_.size(); ++t) {
    const sim::ClosedForm& cf = all[t];
    e.job_s.push_back(cf.job_s);
    e.iteration_s.push_back(cf.iteration_s);
    e.makespan_s = std::max(e.makespan_s, tenants_[t].params.arrival_s + cf.job_s);
    e.total_job_s += cf.job_s;
  }
  return e;
}

double PointEvaluator::alone_job(std::size_t t, sim::Choice c, int64_t prefetch_depth) {
  ++evaluations_;
  return sim::closed_form({costs(t, c)}, 0, point().platform, prefetch_depth).job_s;
}

}  // namespace tiersplit::optimizer
