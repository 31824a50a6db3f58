// groups_validation_setup.hpp: what every point of a groups validation shares — the scenario as
// validate reads it, the data with groups in the store, the storage batches to calibrate at.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "groups/scenario.hpp"
#include "real_exec/groups/group_dataset.hpp"
#include "real_exec/groups/groups_validation.hpp"

namespace tiersplit::real_exec::groups {

/// Everything the points share: the scenario as validate reads it.
struct GroupsValidationSetup {
  GroupsValidationOptions o;
  tiersplit::groups::GroupsScenario sc;
  nlohmann::json doc;  ///< the scenario file's document
  int workers = 2;
  int64_t freeze = 0;
  std::vector<int64_t> splits, storage_batches;
  std::string dataset;
};

/// Reads and checks the scenario (only "bandwidth" swept, one storage node, 2..8 workers) and
/// resolves the defaults: bandwidths, workers, splits, storage batches, state folder, dataset.
GroupsValidationSetup make_groups_validation_setup(const GroupsValidationOptions& options);

/// The scenario's groups in the store (imported from Fashion-MNIST unless the store already
/// holds them): each group's size is its training part, so it holds size / (1 - held out).
std::vector<DatasetGroup> ensure_validation_groups(const GroupsValidationSetup& s);

/// The storage batches to calibrate at: the search's, and for each b also 1 and b/4. A worker's
/// request (a shard's part of a mini-batch under DP, a group's last mini-batch) ends in a partial
/// mini-batch, which the simulator costs at the profile's time for its size: measured, not
/// scaled from b (blocks cost more per sample at a small batch).
std::vector<int64_t> calibration_batches(const std::vector<int64_t>& search);

}  // namespace tiersplit::real_exec::groups
