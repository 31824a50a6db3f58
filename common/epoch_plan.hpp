// epoch_plan.hpp: the batches of an epoch as ranges of stored objects — the order in which
// `tiersplit train` reads its data, and the one the simulator follows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tiersplit {

/// Samples [first, first + count) of object `object` (an index into the data set's objects).
struct ObjectRange {
  std::size_t object = 0;
  int64_t first = 0;
  int64_t count = 0;
};

/// How a job visits the objects of its data set in each epoch.
enum class ObjectOrder {
  kStored,    ///< the stored order, every epoch
  kShuffled,  ///< an order drawn per epoch (samples inside an object keep their stored order)
};

/// "stored" or "shuffled".
std::string to_string(ObjectOrder order);

/// The seed of epoch `epoch`'s object order in a job seeded `seed` (`tiersplit train --seed`).
uint64_t epoch_order_seed(uint64_t seed, int64_t epoch);

/// Cuts the samples of objects holding `object_samples[k]` samples each into batches of `batch`
/// samples (the last may be smaller), visiting the objects in stored order or, shuffled, in an
/// order drawn from `seed` (Fisher-Yates over std::mt19937_64: the same on every platform).
/// Every sample appears exactly once. A batch reads one request per range: a batch that
/// straddles two objects costs two.
std::vector<std::vector<ObjectRange>> plan_epoch(const std::vector<int64_t>& object_samples,
                                                 int64_t batch, uint64_t seed, ObjectOrder order);

/// How many epochs plan_epoch has cut in this process so far: the simulator plans each data set's
/// epoch once per process and shares it between configurations (tests check it through this).
int64_t epoch_plans_computed();

/// The sample counts of a data set of `samples` samples stored `per_object` to an object (the
/// last object holds the rest), as `tiersplit dataset import` writes it.
std::vector<int64_t> object_layout(int64_t samples, int64_t per_object);

}  // namespace tiersplit
