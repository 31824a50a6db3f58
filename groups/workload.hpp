// workload.hpp: learning over groups — one transfer-learning head per (group, configuration) on a
// frozen backbone whose data sits in the object store — as a scenario describes it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tiersplit::groups {

/// How a head learns (Kingpin's access patterns).
enum class HeadKind {
  kLinear,  ///< trained full-batch: an epoch's gradient is a sum over samples, one update per epoch
  kMlp,     ///< one hidden layer, mini-batch SGD: one update per training batch, in order
};
const char* to_string(HeadKind k);

struct HeadSpec {
  HeadKind kind = HeadKind::kLinear;
  int64_t hidden = 0;  ///< mlp: hidden width
  std::string label;   ///< "linear", "mlp-512"
};

struct OptimizerSpec {
  std::string name = "sgd";
  /// Optimizer state per parameter, in parameters (SGD with momentum 1, Adam 2).
  double state_multiplier = 1;
};

/// One configuration of the grid: a head, an optimizer, labels that change no cost (learning
/// rate, weight decay) and its epochs.
struct GroupConfig {
  HeadSpec head;
  OptimizerSpec optimizer;
  std::string learning_rate;
  std::string weight_decay;
  int64_t epochs = 1;
  std::string label;  ///< "linear/sgd/lr=0.1/wd=0/e10"
};

/// Group sizes: listed, or generated deterministically.
struct GroupSizeSpec {
  std::vector<int64_t> sizes;  ///< listed (when not empty)
  int64_t groups = 0;          ///< generated: g groups
  int64_t samples = 0;         ///< generated: n samples in all
  double zipf = 0;             ///< generated: size of group k (1-based) ~ 1 / k^zipf
  double largest_share = 0;    ///< generated instead: the largest group holds this share of n
};

struct GroupsWorkload {
  std::string model;
  int64_t resolution = 224;
  std::string profile_file;  ///< resolved path (shipped or given)
  /// Profiles measured on each tier (tiersplit calibrate); "" : profile_file on both.
  std::string storage_profile_file, compute_profile_file;
  int64_t freeze_index = -1;       ///< -1: the profile's
  int64_t classes = 10;            ///< each head's outputs
  int64_t batch_size = 256;        ///< training batch B
  double bytes_per_sample = 0;     ///< stored (e.g. JPEG) bytes per sample
  int64_t samples_per_object = 1;  ///< objects hold samples of one group only
  GroupSizeSpec size_spec;
  std::vector<int64_t> group_sizes;  ///< resolved from size_spec
  std::vector<GroupConfig> configs;  ///< the grid, expanded (s configurations)
  std::string json_path = "/workload/groups";

  int64_t samples() const;
  int64_t max_epochs() const;
};

/// The sizes `spec` describes: its list, or g sizes summing to n from a Zipf law or with the
/// largest holding the given share (the rest Zipf-like, exponent chosen to match), every size
/// >= 1, largest first. Deterministic. Throws tiersplit::Error naming `where` when the spec
/// cannot be met (fewer samples than groups, a share outside (0, 1]).
std::vector<int64_t> generate_group_sizes(const GroupSizeSpec& spec, const std::string& where);

}  // namespace tiersplit::groups
