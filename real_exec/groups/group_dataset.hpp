// group_dataset.hpp: Fashion-MNIST as data with groups — every sample in one group, each group its
// own task (a class mix and a label mapping of its own), a held-out part per group, one group per
// object under a per-group prefix.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "groups/workload.hpp"

namespace tiersplit::real_exec::groups {

/// What `tiersplit dataset import fashion-mnist --groups G ...` does (unit, default, meaning).
struct GroupImportOptions {
  std::string source_dir = "/usr/share/datasets/fashion-mnist";  ///< Debian dataset-fashion-mnist
  std::string store;                                             ///< destination store URL
  std::string name = "fashion-mnist-groups";                     ///< object name prefix
  int64_t resolution = 32;  ///< [px] images resized (bilinear) to R x R, 3 channels
  int64_t per_object = 64;  ///< samples per object (an object holds one group's samples)
  /// Group sizes as scenarios give them (tiersplit::groups::generate_group_sizes): listed, or
  /// `groups` groups of `samples` in all (at most 70,000: train + test files) from a Zipf law.
  tiersplit::groups::GroupSizeSpec sizes;
  double held_out = 0.2;         ///< share of each group kept for testing (at least 1 sample)
  int64_t favoured_classes = 3;  ///< classes each group draws more often (1..10)
  double favoured_weight = 4;    ///< how much more often (>= 1)
  uint64_t seed = 1;             ///< everything random derives from it
};

/// Draws the groups, writes "<name>/gNNN/{train,test}/NNNNNN.safetensors" and
/// "<name>/manifest.json" (splits "gNNN/train", "gNNN/test" and a "groups" list); returns the
/// manifest. Sample ids index the train file then the test file (test sample i: 60000 + i);
/// labels are the group's mapping of the Fashion-MNIST class. See docs/groups-real.md.
nlohmann::json import_fashion_mnist_groups(const GroupImportOptions& options);

/// A digest of a set of sample ids: the sum of a 64-bit mix of each, order-free (two different
/// sets of one size share it only by chance). Workers' records and the manifest's
/// "train_digest" use it to show that every sample was used exactly once.
uint64_t id_mix(int64_t id);
std::string digest_hex(uint64_t digest);
/// The digest digest_hex wrote.
uint64_t digest_value(const std::string& hex);

/// One group of a dataset with groups, as its manifest lists it.
struct DatasetGroup {
  std::string name;  ///< "g003"
  std::string train_split, test_split;
  int64_t train_samples = 0, test_samples = 0;
  std::string train_digest;        ///< digest_hex of its training sample ids
  std::vector<int64_t> label_map;  ///< Fashion-MNIST class -> this group's label
};

/// The groups of `manifest` (from load_manifest); fails naming the dataset when it has none.
std::vector<DatasetGroup> dataset_groups(const nlohmann::json& manifest);

}  // namespace tiersplit::real_exec::groups
