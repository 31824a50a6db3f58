// fair_share.hpp: shared resources divided between users by water-filling — how the closed forms
// (tenants in sim/, groups' workers in groups/) cut each user's rate to its fair share.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace tiersplit::sim {

/// A resource shared by users: its capacity and each user's use per unit of the user's rate
/// (e.g. seconds of a link per iteration, with the capacity 1 link-second per second).
struct SharedResource {
  std::string tier;  ///< "storage", "network", "compute" (for busy fractions)
  double capacity = 1;
  std::vector<double> demand;      ///< per user
  bool utilization_only = false;   ///< counted for busy fractions, not a constraint
  /// Each user's claim when the resource is divided (empty: 1 each), e.g. a link divided per
  /// flow: a user with m flows on it at once gets m shares.
  std::vector<double> weight;
  /// A resource of `capacity` with no demand yet from `users` users.
  static SharedResource of(std::string tier, double capacity, std::size_t users,
                           bool utilization_only = false) {
    SharedResource r;
    r.tier = std::move(tier);
    r.capacity = capacity;
    r.demand.assign(users, 0.0);
    r.utilization_only = utilization_only;
    return r;
  }
  double weight_of(std::size_t u) const { return weight.empty() ? 1.0 : weight[u]; }
  /// Use of the resource at `rate` (per user), in units of capacity.
  double use(const std::vector<double>& rate) const;
};

/// Cuts `rate` (per user; 0 for users not running) so that no resource is over-subscribed:
/// every over-subscribed resource is divided by water-filling — the users asking least per
/// share first, each getting at most its share of what is left — by weight where
/// `by_weight(resource, users)` says so, evenly otherwise; a few rounds over all resources
/// until nothing changes.
void water_fill(std::vector<double>& rate, const std::vector<SharedResource>& resources,
                const std::function<bool(const SharedResource&, const std::vector<std::size_t>&)>&
                    by_weight);

}  // namespace tiersplit::sim
