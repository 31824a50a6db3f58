// scenario.hpp: what a scenario file describes (platform, tenants, search space, sweep), parsed
// strictly.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/epoch_plan.hpp"
#include "common/json_reader.hpp"

namespace tiersplit::sim {

inline constexpr const char* kScenarioFormatName = "tiersplit-scenario";
inline constexpr int kScenarioFormatVersion = 1;

/// How SimGrid turns a route into a flow rate (see docs/simulator.md, "Network model").
/// Defaults give a clean flow model: a lone flow takes latency + size / bandwidth exactly.
struct NetworkModelParams {
  double latency_factor = 1.0;    ///< SimGrid's LV08 default would be 13.01
  double bandwidth_factor = 1.0;  ///< LV08: 0.97
  bool crosstraffic = false;      ///< LV08: true (adds 5% reverse-direction traffic per flow)
  double tcp_window_bytes = 0;    ///< 0: no window bound; else each flow <= window / (2 x latency)
};

/// The storage tier: identical nodes, each holding a share of the objects.
struct StorageParams {
  int64_t nodes = 1;
  int64_t cores = 16;  ///< CPU cores of one node (informational unless pushdown_threads)
  std::string pushdown_device =
      "this-machine";            ///< "this-machine", a shipped device or a device file
  int64_t pushdown_threads = 0;  ///< threads one pushdown uses on a CPU device; 0: all cores
  double memory_bytes = 16.0 * 1073741824.0;  ///< memory available for pushdowns, per node
  double disk_bandwidth = 2e9;                ///< disk read bandwidth per node [B/s]
  double request_overhead_s = 0;              ///< fixed cost per object request [s]
  double decode_time_per_sample_s = 0;        ///< decoding a stored sample when s > 0 [s]
  std::string placement = "round-robin";      ///< objects to nodes
  /// Concurrent pushdowns a node runs at full speed: cores / pushdown_threads, else 1.
  int64_t slots() const {
    return pushdown_threads <= 0 ? 1 : std::max<int64_t>(1, cores / pushdown_threads);
  }
};

/// The network between the tiers.
struct NetworkParams {
  double bandwidth = 1.25e8;  ///< each storage node's path to the compute tier [B/s]
  double latency_s = 50e-6;   ///< one-way latency between the tiers [s]
  double storage_nic = 0;     ///< per storage node NIC limit [B/s]; 0: none
  double compute_nic = 0;     ///< per compute node NIC limit [B/s]; 0: none
  double core_bandwidth = 0;  ///< shared core link [B/s]; 0: no core link
  double core_latency_s = 0;
  /// Depth of the rate shaper's token bucket on each storage node's path [B]; 0: a fluid link.
  /// A message that starts after the path idled passes up to this many bytes at once (tc tbf's
  /// `burst`: tiersplit's testbed sets max(2 frames, rate / 250 Hz)).
  double burst_bytes = 0;
  NetworkModelParams model;
  /// Each storage node's path to the compute tier [B/s]: the bandwidth, capped by the NIC.
  double path_bandwidth() const {
    return storage_nic > 0 ? std::min(bandwidth, storage_nic) : bandwidth;
  }
};

/// The compute tier: training machines (a groups workload's workers).
struct ComputeParams {
  int64_t nodes = 1;
  std::string device = "this-machine";
  double memory_bytes = 16.0 * 1073741824.0;
  double decode_time_per_sample_s = 0;  ///< decoding a stored sample when s = 0 [s]
  int64_t cores = 1;                   ///< informational (groups: a worker's cores)
  double disk_bytes = 0;               ///< local disk for cached features [B]; 0: none
  double disk_bandwidth = 1e9;         ///< local disk read and write bandwidth [B/s]
};

/// The network inside the compute tier (between workers: all-reduces, partial gradients, models
/// moving); each worker has a link of this bandwidth to one switch.
struct ComputeNetworkParams {
  double bandwidth = 1.25e9;       ///< each worker's link [B/s]
  double latency_s = 20e-6;        ///< one way [s]
  double collective_overhead_s = 50e-6;  ///< fixed cost of one collective call (Gloo) [s]
};

/// Tiers that share a machine (the one-machine testbed): storage node k and compute node k
/// compete for caches and memory bandwidth, so each runs slower while the other executes.
/// Factors multiply execution times; 1 (the default) means separate machines.
struct InterferenceParams {
  double storage_slowdown = 1.0;  ///< storage work while compute node k executes [x]
  double compute_slowdown = 1.0;  ///< compute work while storage node k executes [x]
  /// Compute work while storage node k executes mini-batches of b samples [x], by b: the larger
  /// the storage batch, the more of the shared caches the storage tier's work takes (measured
  /// per storage batch by `tiersplit calibrate`). Replaces compute_slowdown when not empty.
  std::map<int64_t, double> compute_slowdown_by_storage_batch;
  /// The batch of compute_slowdown_by_storage_batch that stands for `storage_batch`: the one
  /// nearest in log2 (the larger on a tie); 0 when none is listed.
  int64_t listed_batch_for(int64_t storage_batch) const;
  /// The compute tier's factor while the storage tier executes mini-batches of `storage_batch`:
  /// that of listed_batch_for, else compute_slowdown.
  double compute_slowdown_at(int64_t storage_batch) const;
  bool any() const;
};

struct PlatformParams {
  StorageParams storage;
  NetworkParams network;
  ComputeParams compute;
  ComputeNetworkParams compute_network;
  InterferenceParams interference;
};

struct DatasetParams {
  int64_t samples = 0;
  double bytes_per_sample = 0;  ///< stored (e.g. JPEG) bytes per sample
  int64_t samples_per_object = 1;  ///< the last object holds the rest
  /// The order objects are read in each epoch, as `tiersplit train` does by default: shuffled
  /// per epoch from `seed` (common/epoch_plan.hpp). With a last object smaller than the others,
  /// the batches after it straddle two objects and cost two requests each.
  ObjectOrder order = ObjectOrder::kShuffled;
  uint64_t seed = 1;  ///< `tiersplit train --seed`
};

/// One TL job. split / storage_batch < 0 mean "search".
struct TenantParams {
  std::string name;
  std::string model;
  int64_t resolution = 224;
  std::string profile_file;  ///< resolved path (shipped or given)
  /// Per-tier profiles (e.g. from `tiersplit calibrate`): replace profile_file for the pushdown
  /// side / the training side when not empty. Resolved paths.
  std::string storage_profile_file;
  std::string compute_profile_file;
  const std::string& storage_profile() const {
    return storage_profile_file.empty() ? profile_file : storage_profile_file;
  }
  const std::string& compute_profile() const {
    return compute_profile_file.empty() ? profile_file : compute_profile_file;
  }
  int64_t freeze_index = -1;  ///< -1: the profile's
  int64_t batch_size = 0;     ///< training batch B
  DatasetParams dataset;
  int64_t epochs = 0;  ///< either epochs or iterations (the other is 0)
  int64_t iterations = 0;
  double arrival_s = 0;
  int64_t split = -1;          ///< -1: search
  int64_t storage_batch = -1;  ///< -1: search
  int64_t compute_node = -1;   ///< -1: round-robin by tenant index
  std::string json_path;       ///< "/workload/tenants/2" for messages
};

/// Which (split, storage batch) pairs a "search" tenant tries.
struct SearchParams {
  std::vector<int64_t> storage_batches;  ///< empty: powers of two up to B, and B
  std::vector<int64_t> splits;           ///< empty: every split 0..f
};

/// Axes of the sweep, each empty when not swept; the cross product of the non-empty ones.
struct SweepParams {
  std::vector<double> bandwidth;
  std::vector<double> latency_s;
  std::vector<int64_t> storage_nodes;
  std::vector<int64_t> compute_nodes;
  std::vector<int64_t> tenant_count;
  std::vector<int64_t> training_batch;
  std::vector<int64_t> prefetch_depth;
};

struct SimulationParams {
  int64_t iterations = 50;     ///< iterations simulated per tenant (the measuring window)
  /// Iterations at the start of the window left out of the iteration time, as a real run's
  /// warm-up (`tiersplit validate --warmup`); -1: the window's second half is measured.
  int64_t warmup = -1;
  int64_t prefetch_depth = 1;  ///< iterations the storage side may run ahead
  /// Messages per iteration and storage node: consecutive mini-batches are grouped into at most
  /// this many chunks (the last mini-batch always alone), each computed then sent as one flow.
  int64_t chunks = 4;
  bool allow_extrapolation = false;  ///< allow batch sizes beyond the profile's measured range
  /// "pipelined": a storage node computes a tenant's next iteration while the previous one is on
  /// the wire (a streaming server with requests in flight). "serial": one request in flight per
  /// tenant, answered after all its mini-batches (`tiersplit serve` with one request per batch):
  /// the next iteration's storage work starts only after the previous one has arrived.
  std::string fetch = "pipelined";
};

struct Scenario {
  std::string file;  ///< where it came from ("<embedded quickstart>")
  std::string dir;   ///< for relative paths
  std::string name;
  std::string description;
  std::string digest;  ///< of the document as parsed (hex_digest of its canonical JSON)
  PlatformParams platform;
  std::vector<TenantParams> tenants;
  SearchParams search;
  SweepParams sweep;
  SimulationParams simulation;
};

/// Parses a scenario document; `base_dir` resolves relative paths. Throws tiersplit::Error naming
/// the file and JSON path of the first problem.
Scenario scenario_from_json(const JsonView& root, const std::string& base_dir);
Scenario load_scenario(const std::string& file);
/// The quickstart scenario compiled into the binary (scenarios/quickstart.json).
Scenario embedded_quickstart();
const std::string& embedded_quickstart_text();

}  // namespace tiersplit::sim
