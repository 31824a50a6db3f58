// phases.cpp: the fluid walk through arrivals and finished jobs (see phases.hpp).
#include "sim/phases.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tiersplit::sim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

double TenantProgress::time_at(double iterations) const {
  if (points.empty()) return kInf;
  if (iterations <= points.front().second) return points.front().first;
  for (std::size_t k = 1; k < points.size(); ++k) {
    const auto& [t0, d0] = points[k - 1];
    const auto& [t1, d1] = points[k];
    if (iterations <= d1) {
      if (d1 <= d0) return t1;
      return t0 + (iterations - d0) / (d1 - d0) * (t1 - t0);
    }
  }
  return points.back().first;
}

double TenantProgress::done_at(double t) const {
  if (points.empty() || t < points.front().first) return 0;
  for (std::size_t k = 1; k < points.size(); ++k) {
    const auto& [t0, d0] = points[k - 1];
    const auto& [t1, d1] = points[k];
    if (t <= t1) return t1 > t0 ? d0 + (t - t0) / (t1 - t0) * (d1 - d0) : d1;
  }
  return points.back().second;
}

const Phase& Progress::phase_at(double t) const {
  for (const Phase& p : phases) {
    if (t < p.end_s) return p;
  }
  return phases.back();
}

Progress run_phases(const std::vector<PhaseTenant>& tenants, const RateFunction& rates) {
  const std::size_t n = tenants.size();
  Progress out;
  out.tenants.resize(n);
  std::vector<double> done(n, 0.0);
  std::vector<bool> finished(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    out.tenants[i].finish_s = kInf;
    if (!tenants[i].runs) finished[i] = true;
  }
  double t = kInf;
  for (const auto& p : tenants) {
    if (p.runs) t = std::min(t, p.arrival_s);
  }
  auto started = [&](std::size_t i, double when) {
    return when >= tenants[i].arrival_s + tenants[i].first_iteration_s;
  };
  for (int guard = 0; t < kInf && guard < 1000000; ++guard) {
    std::vector<bool> active(n, false);
    bool any = false;
    for (std::size_t i = 0; i < n; ++i) {
      active[i] = !finished[i] && tenants[i].arrival_s <= t;
      any = any || active[i];
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (active[i] && out.tenants[i].points.empty())
        out.tenants[i].points.emplace_back(tenants[i].arrival_s, 0);
      if (active[i] && started(i, t) && done[i] == 0) {  // its first iteration just ended
        done[i] = 1;
        out.tenants[i].points.emplace_back(tenants[i].arrival_s + tenants[i].first_iteration_s, 1);
      }
      if (active[i] && done[i] >= static_cast<double>(tenants[i].iterations)) {
        finished[i] = true;
        active[i] = false;
        out.tenants[i].finish_s = t;
      }
    }
    // The next event: an arrival, a first iteration's end, a job's end.
    std::vector<double> r = any ? rates(active) : std::vector<double>(n, 0.0);
    std::vector<double> ends(n, kInf);  // when each progressing tenant would finish at r
    double next = kInf;
    for (std::size_t i = 0; i < n; ++i) {
      if (finished[i]) continue;
      if (tenants[i].arrival_s > t) next = std::min(next, tenants[i].arrival_s);
      const double first_end = tenants[i].arrival_s + tenants[i].first_iteration_s;
      if (first_end > t) next = std::min(next, first_end);
      if (active[i] && started(i, t) && r[i] > 0) {
        ends[i] = t + (static_cast<double>(tenants[i].iterations) - done[i]) / r[i];
        next = std::min(next, ends[i]);
      }
    }
    if (next == kInf) break;  // nothing more happens (a rate of 0 never ends)
    Phase ph;
    ph.start_s = t;
    ph.end_s = next;
    ph.active = active;
    ph.rates = r;
    for (std::size_t i = 0; i < n; ++i) {
      if (!active[i] || !started(i, t)) {
        ph.rates[i] = active[i] ? r[i] : 0.0;
        continue;
      }
      // A tenant whose end is the event has done all its iterations, exactly (rounding must not
      // leave it a hair short, which would make ever smaller phases).
      done[i] = ends[i] <= next ? static_cast<double>(tenants[i].iterations)
                                : std::min(static_cast<double>(tenants[i].iterations),
                                           done[i] + r[i] * (next - t));
      out.tenants[i].points.emplace_back(next, done[i]);
    }
    out.phases.push_back(std::move(ph));
    t = next;
  }
  // Tenants that never progressed (one iteration, or no rate) end with their first iteration.
  for (std::size_t i = 0; i < n; ++i) {
    if (!tenants[i].runs || out.tenants[i].finish_s < kInf) continue;
    if (tenants[i].iterations <= 1)
      out.tenants[i].finish_s = tenants[i].arrival_s + tenants[i].first_iteration_s;
  }
  return out;
}

}  // namespace tiersplit::sim
