// memory_rules.cpp: storage-side and compute-side memory of a tenant's configuration.
#include "sim/memory_rules.hpp"

namespace tiersplit::sim {

int64_t pushdown_memory_bytes(int64_t split, int64_t weight_bytes, int64_t peak_bytes_per_sample,
                              int64_t storage_batch) {
  if (split <= 0) return 0;
  return weight_bytes + storage_batch * peak_bytes_per_sample;
}

double storage_memory_bytes(const profiles::Profile& p, int64_t split, int64_t storage_batch) {
  if (split <= 0) return 0.0;
  return static_cast<double>(pushdown_memory_bytes(split, p.parameter_bytes(0, split),
                                                   p.peak_activation_bytes(0, split),
                                                   storage_batch));
}

double compute_memory_bytes(const profiles::Profile& p, int64_t split, int64_t freeze_index,
                            int64_t training_batch) {
  const int64_t L = p.num_blocks();
  double per_sample = static_cast<double>(p.split_bytes_per_sample(split));
  if (split < freeze_index)
    per_sample += static_cast<double>(p.peak_activation_bytes(split, freeze_index));
  for (int64_t i = freeze_index; i < L; ++i) {
    per_sample +=
        2.0 * static_cast<double>(p.blocks[static_cast<std::size_t>(i)].output_bytes_per_sample);
  }
  return static_cast<double>(p.parameter_bytes(split, L)) +
         static_cast<double>(training_batch) * per_sample;
}

}  // namespace tiersplit::sim
