// point_report.cpp: one sweep point's recommendation — the choice simulated in full, baselines,
// runner-ups, sensitivity and the plot's curve.
#include <algorithm>
#include <limits>
#include <map>
#include <tuple>

#include "optimizer/point_search.hpp"
#include "optimizer/sensitivity.hpp"

namespace tiersplit::optimizer {

double measure(const Estimate& e, JointGoal goal) {
  return goal == JointGoal::kMakespan ? e.makespan_s : e.total_job_s;
}

bool in_search_space(const PointEvaluator& ev, const sim::Configuration& c) {
  for (std::size_t t = 0; t < ev.tenants(); ++t) {
    const auto& s = ev.splits(t);
    const auto& b = ev.batches(t);
    const sim::Choice& ch = c.choices[t];
    if (!std::binary_search(s.begin(), s.end(), ch.split)) return false;
    if (ch.split > 0 && !std::binary_search(b.begin(), b.end(), ch.storage_batch)) return false;
  }
  return true;
}

double storage_seconds(PointEvaluator& ev, const sim::Configuration& c) {
  double s = 0;
  for (std::size_t t = 0; t < ev.tenants(); ++t) {
    const sim::TenantCosts& p = ev.costs(t, c.choices[t]);
    s += static_cast<double>(p.total_iterations) * p.storage_compute_time(p.training_batch);
  }
  return s;
}

std::vector<sim::Configuration> eligible(const PointSearch& ps, const SimJudge& judge) {
  std::vector<sim::Configuration> out;
  for (const sim::Configuration& c : judge.of_point(ps.ev->point_index(), ps.search)) {
    if (in_search_space(*ps.ev, c)) out.push_back(c);
  }
  return out;
}

namespace {

/// The baselines' makespans against the choice's, both at the search fidelity.
std::vector<BaselineSummary> baseline_summaries(const PointSearch& ps, const SimJudge& judge,
                                                const Estimate& chosen) {
  std::vector<BaselineSummary> out;
  for (const auto& b : ps.baselines) {
    BaselineSummary bs;
    bs.name = b.name;
    bs.feasible = b.feasible;
    if (b.feasible) {
      Estimate e = judge.estimate(b.configuration, ps.search);
      bs.feasible = e.feasible;
      bs.makespan_s = e.makespan_s;
      bs.speedup = chosen.makespan_s > 0 ? e.makespan_s / chosen.makespan_s : 0;
    }
    out.push_back(bs);
  }
  return out;
}

/// Tenant t under each baseline, against its job in the choice (same fidelity).
std::vector<BaselineOutcome> tenant_baselines(const PointSearch& ps, const SimJudge& judge,
                                              std::size_t t, double job) {
  std::vector<BaselineOutcome> out;
  const sim::TenantResult* no_pushdown = nullptr;
  for (const auto& b : ps.baselines) {
    BaselineOutcome bo;
    bo.name = b.name;
    bo.split = b.configuration.choices[t].split;
    bo.storage_batch = b.configuration.choices[t].storage_batch;
    bo.feasible = b.feasible;
    bo.note = b.note;
    if (b.feasible) {
      const sim::TenantResult& r = judge.rows(b.configuration, ps.search)[t];
      bo.feasible = r.feasible;
      if (!r.feasible) bo.note = r.note;
      bo.iteration_s = r.iteration_s;
      bo.job_s = r.job_s;
      if (b.name == "no-pushdown") no_pushdown = &r;
      if (b.name == "reference-policy" && no_pushdown && r.feasible &&
          no_pushdown->job_s < r.job_s && bo.split != 0) {
        // The reference system keeps no pushdown when it is measured faster.
        bo.note =
            "picked split " + std::to_string(bo.split) + "; kept no pushdown (measured faster)";
        bo.split = 0;
        bo.storage_batch = no_pushdown->storage_batch;
        bo.iteration_s = no_pushdown->iteration_s;
        bo.job_s = no_pushdown->job_s;
      }
      bo.speedup = job > 0 ? bo.job_s / job : 0;
    }
    out.push_back(bo);
  }
  return out;
}

/// Tenant t's other choices in simulated configurations within the tolerance of the choice.
std::vector<RunnerUp> runner_ups(const PointSearch& ps, const SimJudge& judge, std::size_t t,
                                 const Estimate& ce, const RecommendOptions& opt) {
  const sim::Configuration& chosen = ps.chosen;
  const sim::Choice c = chosen.choices[t];
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::pair<double, double>> alt;
  for (const sim::Configuration& a : eligible(ps, judge)) {
    Estimate e = judge.estimate(a, ps.search);
    if (!e.feasible || measure(e, opt.goal) > measure(ce, opt.goal) * (1.0 + opt.tolerance))
      continue;
    auto key = std::make_tuple(a.choices[t].split, a.choices[t].storage_batch, a.prefetch_depth);
    if (key == std::make_tuple(c.split, c.storage_batch, chosen.prefetch_depth)) continue;
    auto it = alt.find(key);
    if (it == alt.end() || measure(e, opt.goal) < it->second.first)
      alt[key] = {measure(e, opt.goal), e.job_s[t]};
  }
  std::vector<RunnerUp> out;
  for (const auto& [k, v] : alt) {
    out.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), v.second,
                   measure(ce, opt.goal) > 0 ? v.first / measure(ce, opt.goal) : 0});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const RunnerUp& x, const RunnerUp& y) { return x.slowdown < y.slowdown; });
  return out;
}

/// Predicted iteration of every candidate of tenant t, the others at the choice (the plot).
std::vector<CurvePoint> curve(PointEvaluator& ev, const sim::Configuration& chosen, std::size_t t) {
  std::vector<CurvePoint> out;
  for (int64_t s : ev.splits(t)) {
    for (int64_t b : ev.batches(t)) {
      if (s == 0 && b != ev.batches(t).front()) continue;
      sim::Configuration a = chosen;
      a.choices[t] = {s, b};
      CurvePoint cp;
      cp.split = s;
      cp.storage_batch = b;
      cp.fits = ev.storage_memory_used(a) <= ev.storage_capacity() &&
                ev.compute_memory_used(a, ev.tenant(t).compute_node) <= ev.compute_capacity();
      cp.iteration_s = ev.estimate_one(a, t).second;
      out.push_back(cp);
    }
  }
  return out;
}

TenantRecommendation tenant_report(PointSearch& ps, const SimJudge& judge, std::size_t t,
                                   const Estimate& ce, const RecommendOptions& opt) {
  PointEvaluator& ev = *ps.ev;
  const sim::Configuration& chosen = ps.chosen;
  const auto& rt = ev.tenant(t);
  const sim::Choice c = chosen.choices[t];
  TenantRecommendation tr;
  tr.tenant = static_cast<int>(t);
  tr.name = rt.params.name;
  tr.model = rt.params.model;
  tr.freeze_index = rt.freeze_index;
  tr.training_batch = rt.params.batch_size;
  tr.searched = ev.splits(t).size() > 1 || ev.batches(t).size() > 1;
  tr.split = c.split;
  tr.storage_batch = c.storage_batch;
  tr.predicted = judge.rows(chosen, Fidelity::kFull)[t];
  tr.storage_memory_bytes = ev.storage_memory(t, c);
  tr.compute_memory_bytes = ev.compute_memory(t, c.split);
  if (c.split > 0) {
    const double mine = ev.alone_job(t, c, chosen.prefetch_depth);
    for (int64_t b : ev.batches(t)) {
      if (b > c.storage_batch &&
          ev.alone_job(t, {c.split, b}, chosen.prefetch_depth) < mine * (1.0 - kUsefulBatchGain))
        tr.storage_batch_lowered = true;
    }
  }
  tr.baselines = tenant_baselines(ps, judge, t, ce.job_s[t]);
  tr.runner_ups = runner_ups(ps, judge, t, ce, opt);
  // Sensitivity against each split's useful batch (closed form).
  const std::vector<sim::Choice> alts =
      shortlist(ev, t, chosen.prefetch_depth, std::numeric_limits<std::size_t>::max());
  tr.bandwidth = sensitivity(ev, chosen, t, alts, Axis::kBandwidth, opt.tolerance);
  tr.storage_speed = sensitivity(ev, chosen, t, alts, Axis::kStorageSpeed, opt.tolerance);
  tr.curve = curve(ev, chosen, t);
  return tr;
}

}  // namespace

PointRecommendation report_point(PointSearch& ps, const SimJudge& judge, const sim::Study& study,
                                 std::size_t pi, const RecommendOptions& opt) {
  PointEvaluator& ev = *ps.ev;
  const sim::Configuration& chosen = ps.chosen;
  const Estimate ce = judge.estimate(chosen, ps.search);  // compared at the search fidelity
  const Estimate full = judge.estimate(chosen, Fidelity::kFull);
  const sim::SweepPoint& point = study.points[pi];
  PointRecommendation pr;
  pr.index = pi;
  pr.labels = point.labels;
  pr.bandwidth = point.platform.network.bandwidth;
  pr.prefetch_depth = chosen.prefetch_depth;
  pr.makespan_s = full.makespan_s;
  pr.method = ps.screen.method;
  pr.screened = ev.closed_form_evaluations();
  pr.ranking_iterations =
      ps.search == Fidelity::kRank && judge.ranks_shorter() ? opt.rank_iterations : 0;
  pr.storage_memory_used = ev.storage_memory_used(chosen);
  pr.storage_memory_capacity = ev.storage_capacity();
  for (int64_t n = 0; n < point.platform.compute.nodes; ++n)
    pr.compute_memory_used.push_back(ev.compute_memory_used(chosen, n));
  pr.compute_memory_capacity = ev.compute_capacity();
  pr.baselines = baseline_summaries(ps, judge, ce);
  for (std::size_t t = 0; t < ev.tenants(); ++t)
    pr.tenants.push_back(tenant_report(ps, judge, t, ce, opt));
  pr.simulated = judge.of_point(pi, ps.search).size() +
                 (pr.ranking_iterations > 0 ? judge.of_point(pi, Fidelity::kFull).size() : 0);
  return pr;
}

}  // namespace tiersplit::optimizer
