// reference_policy.cpp: the reference system's epoch formula and split pick.
#include "optimizer/reference_policy.hpp"

#include <algorithm>
#include <limits>

namespace tiersplit::optimizer {

double reference_epoch_time(const ReferenceStages& st, int64_t iterations_per_epoch) {
  const double n = static_cast<double>(std::max<int64_t>(1, iterations_per_epoch));
  return st.storage_s + (n - 1.0) * (std::max(st.storage_s, st.compute_s) + st.non_overlap_s) +
         st.non_overlap_s + st.compute_s;
}

int64_t reference_pick(const std::vector<ReferenceStages>& splits, int64_t iterations_per_epoch,
                       int64_t freeze_index) {
  int64_t best = -1;
  double best_t = std::numeric_limits<double>::infinity();
  for (const auto& st : splits) {
    if (!st.compute_memory_fits) continue;
    double t = reference_epoch_time(st, iterations_per_epoch);
    if (t < best_t || (t == best_t && st.split < best)) {
      best = st.split;
      best_t = t;
    }
  }
  return best >= 0 ? best : freeze_index;
}

}  // namespace tiersplit::optimizer
