// configuration.hpp: one configuration of a sweep point — the prefetch depth and every tenant's
// split and storage batch — the one name sweeps, the simulator and the optimizer use for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <tuple>
#include <vector>

namespace tiersplit::sim {

/// A tenant's part of a configuration: the split s (blocks [0, s) run next to the storage, 0 = no
/// pushdown) and the storage batch b (samples per mini-batch on the storage side).
struct Choice {
  int64_t split = 0;
  int64_t storage_batch = 1;
  bool operator==(const Choice& o) const {
    return split == o.split && storage_batch == o.storage_batch;
  }
  bool operator!=(const Choice& o) const { return !(*this == o); }
  bool operator<(const Choice& o) const {
    return std::tie(split, storage_batch) < std::tie(o.split, o.storage_batch);
  }
};

/// One configuration: a sweep point, the prefetch depth (iterations the storage side may run
/// ahead), every tenant's choice, and which tenants' results are reported.
struct Configuration {
  std::size_t point = 0;
  int64_t prefetch_depth = 1;
  std::vector<Choice> choices;  ///< per tenant of the point
  std::vector<int> report;      ///< tenants whose results are reported; empty: every tenant

  /// The reported tenants, in order.
  std::vector<int> reported() const {
    if (!report.empty()) return report;
    std::vector<int> all;
    for (std::size_t t = 0; t < choices.size(); ++t) all.push_back(static_cast<int>(t));
    return all;
  }
  /// Order and equality by (point, prefetch depth, choices); `report` does not take part.
  bool operator<(const Configuration& o) const {
    return std::tie(point, prefetch_depth, choices) <
           std::tie(o.point, o.prefetch_depth, o.choices);
  }
  bool operator==(const Configuration& o) const { return !(*this < o) && !(o < *this); }
};

}  // namespace tiersplit::sim
