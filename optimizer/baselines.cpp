// baselines.cpp: no pushdown, all frozen, smallest output and the reference policy as joint
// assignments.
#include "optimizer/baselines.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/closed_form.hpp"

namespace tiersplit::optimizer {

namespace {

/// The largest candidate batch at split s that fits storage memory alone; 0 when none.
int64_t largest_fitting_batch(PointEvaluator& ev, std::size_t t, int64_t s, int64_t at_most) {
  int64_t best = 0;
  for (int64_t b : ev.batches(t)) {
    if (b <= at_most && ev.storage_memory(t, {s, b}) <= ev.storage_capacity()) best = b;
  }
  return best;
}

}  // namespace

ReferenceStages reference_stages(PointEvaluator& ev, std::size_t t, sim::Choice c) {
  const sim::TenantCosts& p = ev.costs(t, c);
  const sim::PlatformParams& pf = ev.point().platform;
  const double B = static_cast<double>(p.training_batch);
  const double bw = sim::path_model(pf).bandwidth;
  const double nodes = static_cast<double>(pf.storage.nodes);
  ReferenceStages st;
  st.split = c.split;
  // Per storage node (the batch is spread over the nodes, which work in parallel).
  const double samples = B / nodes;
  st.storage_s =
      samples * p.read_bytes_per_sample / pf.storage.disk_bandwidth +
      std::ceil(samples / static_cast<double>(ev.tenant(t).params.dataset.samples_per_object)) *
          p.request_overhead_s +
      p.storage_compute_time(static_cast<int64_t>(std::ceil(samples))) +
      samples * p.sent_bytes_per_sample / bw;
  st.compute_s = p.compute_time_s;
  st.non_overlap_s = kReferenceNonOverlapS;
  st.compute_memory_fits = ev.compute_memory(t, c.split) <= ev.compute_capacity();
  return st;
}

std::vector<BaselinePlan> baseline_plans(PointEvaluator& ev, int64_t prefetch_depth) {
  const std::size_t T = ev.tenants();
  std::vector<BaselinePlan> out;
  auto make = [&](const std::string& name, auto split_of) {
    BaselinePlan bp;
    bp.name = name;
    bp.configuration = ev.configuration(prefetch_depth, {});
    for (std::size_t t = 0; t < T; ++t) {
      auto [s, b_pref] = split_of(t);
      int64_t b = ev.batches(t).front();
      if (s > 0) {
        b = largest_fitting_batch(ev, t, s, b_pref);
        if (b == 0) b = largest_fitting_batch(ev, t, s, std::numeric_limits<int64_t>::max());
        if (b == 0) {
          bp.note += (bp.note.empty() ? "" : "; ") + ev.tenant(t).params.name + ": split " +
                     std::to_string(s) +
                     " fits storage memory at no storage batch, no pushdown instead";
          s = 0;
          b = ev.batches(t).front();
        }
      }
      bp.configuration.choices.push_back({s, b});
    }
    std::string why;
    if (!ev.fit_memory(bp.configuration, &why)) {
      bp.feasible = false;
      bp.note += (bp.note.empty() ? "" : "; ") + why;
    }
    out.push_back(std::move(bp));
  };
  const int64_t any = std::numeric_limits<int64_t>::max();
  make("no-pushdown", [&](std::size_t) { return std::make_pair<int64_t, int64_t>(0, 1); });
  make("all-frozen", [&](std::size_t t) { return std::make_pair(ev.tenant(t).freeze_index, any); });
  make("smallest-output", [&](std::size_t t) {
    const auto& prof = *ev.tenant(t).storage_profile;
    int64_t best = 0;
    int64_t best_bytes = std::numeric_limits<int64_t>::max();
    for (int64_t s = 1; s <= ev.tenant(t).freeze_index; ++s) {
      if (prof.split_bytes_per_sample(s) < best_bytes) {
        best_bytes = prof.split_bytes_per_sample(s);
        best = s;
      }
    }
    return std::make_pair(best, any);
  });
  make("reference-policy", [&](std::size_t t) {
    int64_t b_ref = ev.batches(t).front();
    for (int64_t b : ev.batches(t)) {
      if (b <= kReferenceStorageBatch) b_ref = b;
    }
    std::vector<ReferenceStages> stages;
    for (int64_t s = 0; s <= ev.tenant(t).freeze_index; ++s)
      stages.push_back(reference_stages(ev, t, {s, b_ref}));
    int64_t s =
        reference_pick(stages, ev.tenant(t).iterations_per_epoch, ev.tenant(t).freeze_index);
    return std::make_pair(s, b_ref);
  });
  return out;
}

}  // namespace tiersplit::optimizer
