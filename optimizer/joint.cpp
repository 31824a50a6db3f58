// joint.cpp: shortlists, exhaustive joint screening and coordinate descent with the closed form.
#include "optimizer/joint.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

namespace tiersplit::optimizer {

std::vector<sim::Choice> shortlist(PointEvaluator& ev, std::size_t t, int64_t prefetch_depth,
                                   std::size_t k) {
  struct Entry {
    sim::Choice c;
    double job;
  };
  std::vector<Entry> per_split;
  for (int64_t s : ev.splits(t)) {
    if (ev.compute_memory(t, s) > ev.compute_capacity()) continue;
    if (s == 0) {
      per_split.push_back({{0, ev.batches(t).front()},
                           ev.alone_job(t, {0, ev.batches(t).front()}, prefetch_depth)});
      continue;
    }
    std::vector<Entry> fits;
    double best = std::numeric_limits<double>::infinity();
    for (int64_t b : ev.batches(t)) {
      if (ev.storage_memory(t, {s, b}) > ev.storage_capacity()) continue;
      double j = ev.alone_job(t, {s, b}, prefetch_depth);
      fits.push_back({{s, b}, j});
      best = std::min(best, j);
    }
    for (const Entry& e : fits) {  // ascending b: the first within the useful gain
      if (e.job <= best * (1.0 + kUsefulBatchGain)) {
        per_split.push_back(e);
        break;
      }
    }
  }
  std::stable_sort(per_split.begin(), per_split.end(),
                   [](const Entry& a, const Entry& b) { return a.job < b.job; });
  std::vector<sim::Choice> out;
  bool have_zero = false;
  for (const Entry& e : per_split) {
    if (out.size() >= k) break;
    out.push_back(e.c);
    have_zero = have_zero || e.c.split == 0;
  }
  if (!have_zero) {
    for (const Entry& e : per_split) {
      if (e.c.split == 0) out.push_back(e.c);
    }
  }
  return out;
}

namespace {

struct Ranker {
  PointEvaluator& ev;
  std::map<sim::Configuration, Estimate> seen;
  std::vector<std::string> infeasible;

  /// Adapts memory and estimates; returns the adapted assignment's estimate (or an infeasible one).
  std::pair<sim::Configuration, Estimate> evaluate(sim::Configuration a) {
    std::string why;
    if (!ev.fit_memory(a, &why)) {
      if (infeasible.size() < 5) infeasible.push_back(why);
      Estimate e;
      e.feasible = false;
      e.why = why;
      e.makespan_s = std::numeric_limits<double>::infinity();
      e.total_job_s = std::numeric_limits<double>::infinity();
      return {a, e};
    }
    auto it = seen.find(a);
    if (it != seen.end()) return {a, it->second};
    Estimate e = ev.estimate(a);
    seen.emplace(a, e);
    return {a, e};
  }
};

}  // namespace

std::vector<sim::Configuration> neighbours(PointEvaluator& ev, const sim::Configuration& center,
                                   const std::vector<std::vector<sim::Choice>>& shortlists,
                                   const std::vector<int64_t>& prefetch_depths) {
  std::set<sim::Configuration> out;
  auto add = [&](sim::Configuration a) {
    if (ev.fit_memory(a, nullptr) && !(a == center)) out.insert(a);
  };
  for (std::size_t t = 0; t < shortlists.size(); ++t) {
    for (const sim::Choice& c : shortlists[t]) {
      sim::Configuration a = center;
      a.choices[t] = c;
      add(a);
    }
  }
  for (int64_t d : prefetch_depths) {
    sim::Configuration a = center;
    a.prefetch_depth = d;
    add(a);
  }
  return {out.begin(), out.end()};
}

ScreenResult screen_joint(PointEvaluator& ev, const ScreenOptions& opt) {
  ScreenResult r;
  const std::size_t T = ev.tenants();
  const int64_t d0 = opt.prefetch_depths.front();
  for (std::size_t t = 0; t < T; ++t) r.shortlists.push_back(shortlist(ev, t, d0, opt.shortlist));
  Ranker rk{ev, {}, {}};
  double product = static_cast<double>(opt.prefetch_depths.size());
  for (const auto& s : r.shortlists)
    product *= static_cast<double>(std::max<std::size_t>(1, s.size()));
  bool any_empty = false;
  for (const auto& s : r.shortlists) any_empty = any_empty || s.empty();
  if (!any_empty && product <= static_cast<double>(opt.max_exhaustive)) {
    r.method = "exhaustive";
    for (int64_t d : opt.prefetch_depths) {
      std::vector<std::size_t> idx(T, 0);
      for (;;) {
        sim::Configuration a = ev.configuration(d, {});
        for (std::size_t t = 0; t < T; ++t) a.choices.push_back(r.shortlists[t][idx[t]]);
        rk.evaluate(a);
        std::size_t t = 0;
        while (t < T && ++idx[t] == r.shortlists[t].size()) idx[t++] = 0;
        if (t == T) break;
      }
    }
  } else if (!any_empty) {
    r.method = "coordinate-descent";
    sim::Configuration cur = ev.configuration(d0, {});
    for (std::size_t t = 0; t < T; ++t) cur.choices.push_back(r.shortlists[t].front());
    auto [ca, ce] = rk.evaluate(cur);
    if (!ce.feasible) {  // start from no pushdown, which needs no storage memory
      for (std::size_t t = 0; t < T; ++t)
        cur.choices[t] = r.shortlists[t].back().split == 0 ? r.shortlists[t].back()
                                                           : sim::Choice{0, ev.batches(t).front()};
      std::tie(ca, ce) = rk.evaluate(cur);
    }
    cur = ca;
    for (int round = 0; round < opt.max_rounds; ++round) {
      bool improved = false;
      for (const sim::Configuration& n : neighbours(ev, cur, r.shortlists, opt.prefetch_depths)) {
        auto [na, ne] = rk.evaluate(n);
        if (ne.feasible && better(ne, na, ce, cur, ev.goal())) {
          cur = na;
          ce = ne;
          improved = true;
        }
      }
      if (!improved) break;
    }
  }
  for (const auto& [a, e] : rk.seen) {
    if (e.feasible) r.ranked.emplace_back(a, e);
  }
  std::sort(r.ranked.begin(), r.ranked.end(), [&](const auto& x, const auto& y) {
    return better(x.second, x.first, y.second, y.first, ev.goal());
  });
  r.infeasible = rk.infeasible;
  return r;
}

}  // namespace tiersplit::optimizer
