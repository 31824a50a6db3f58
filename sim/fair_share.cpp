// fair_share.cpp: water-filling over shared resources (see fair_share.hpp).
#include "sim/fair_share.hpp"

#include <algorithm>

namespace tiersplit::sim {

double SharedResource::use(const std::vector<double>& rate) const {
  double total = 0;
  for (std::size_t u = 0; u < rate.size(); ++u) total += demand[u] * rate[u];
  return total;
}

namespace {

/// Divides one over-subscribed resource; true when a rate was cut.
bool divide(std::vector<double>& rate, const SharedResource& r, bool weighted) {
  std::vector<std::size_t> users;
  for (std::size_t u = 0; u < rate.size(); ++u) {
    if (r.demand[u] > 0 && rate[u] > 0) users.push_back(u);
  }
  auto weight = [&](std::size_t u) { return weighted ? r.weight_of(u) : 1.0; };
  std::sort(users.begin(), users.end(), [&](std::size_t a, std::size_t b) {
    return r.demand[a] * rate[a] / weight(a) < r.demand[b] * rate[b] / weight(b);
  });
  double left = r.capacity;
  double weights = 0;
  for (std::size_t u : users) weights += weight(u);
  bool changed = false;
  for (std::size_t u : users) {
    const double share = left * weight(u) / weights;
    weights -= weight(u);
    double use = r.demand[u] * rate[u];
    if (use > share) {
      rate[u] = share / r.demand[u];
      use = share;
      changed = true;
    }
    left -= use;
  }
  return changed;
}

}  // namespace

void water_fill(std::vector<double>& rate, const std::vector<SharedResource>& resources,
                const std::function<bool(const SharedResource&, const std::vector<std::size_t>&)>&
                    by_weight) {
  for (int round = 0; round < 8; ++round) {
    bool changed = false;
    for (const SharedResource& r : resources) {
      if (r.utilization_only || r.use(rate) <= r.capacity * (1 + 1e-12)) continue;
      std::vector<std::size_t> users;
      for (std::size_t u = 0; u < rate.size(); ++u) {
        if (r.demand[u] > 0 && rate[u] > 0) users.push_back(u);
      }
      changed = divide(rate, r, !r.weight.empty() && by_weight(r, users)) || changed;
    }
    if (!changed) break;
  }
}

}  // namespace tiersplit::sim
