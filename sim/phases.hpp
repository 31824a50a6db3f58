// phases.hpp: tenants' progress through their jobs as a fluid — while a set of tenants runs, each
// completes iterations at the rate that set allows; an arrival or a finished job starts a new
// phase. The closed form uses it so that a tenant runs alone once the others have finished.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace tiersplit::sim {

struct PhaseTenant {
  bool runs = true;            ///< false: never takes part (its pushdown cannot fit)
  double arrival_s = 0;        ///< when it starts using resources
  double first_iteration_s = 0;  ///< its first iteration ends this long after arrival
  int64_t iterations = 1;      ///< of the whole job
};

/// One phase: from `start_s` to `end_s` the tenants marked `active` run at `rates`.
struct Phase {
  double start_s = 0, end_s = 0;
  std::vector<bool> active;
  std::vector<double> rates;  ///< iterations per second, per tenant (0 when not active)
};

/// A tenant's iterations done as a function of time: piecewise linear through `points`
/// (time, iterations done), from its arrival (0 done) through its first iteration's end (1) to
/// its job's end.
struct TenantProgress {
  std::vector<std::pair<double, double>> points;
  double finish_s = 0;  ///< when its last iteration ends (absolute); infinite if it never does
  /// When `iterations` are done (clamped to the job's range).
  double time_at(double iterations) const;
  /// Iterations done at `t`.
  double done_at(double t) const;
};

struct Progress {
  std::vector<TenantProgress> tenants;
  std::vector<Phase> phases;
  /// The phase running at `t` (the last one at or after the end).
  const Phase& phase_at(double t) const;
};

/// The rates (iterations per second) of every tenant while those marked active run together.
using RateFunction = std::function<std::vector<double>(const std::vector<bool>& active)>;

/// Walks the phases from the first arrival to the last job's end. A tenant counts as running
/// (and uses resources) from its arrival until its last iteration; it progresses from the end of
/// its first iteration on.
Progress run_phases(const std::vector<PhaseTenant>& tenants, const RateFunction& rates);

}  // namespace tiersplit::sim
