// run_spec.hpp: what a real groups run is — the data, the pushdown server, the backbone and its
// split, the strategy and extraction, the configurations' heads — as the launcher hands it to
// every worker (a JSON file) and as the run report repeats it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "groups/workload.hpp"
#include "real_exec/groups/run_plan.hpp"

namespace tiersplit::real_exec::groups {

/// One configuration's head and how it learns (unit, default, meaning).
struct HeadConfig {
  tiersplit::groups::HeadKind kind = tiersplit::groups::HeadKind::kLinear;
  int64_t hidden = 0;          ///< mlp: hidden width
  double learning_rate = 0.1;  ///< SGD step
  double weight_decay = 0;     ///< L2 added to the gradient
  int64_t epochs = 1;
  std::string label;  ///< "linear/lr=0.1/wd=0/e2"
};

struct RunSpec {
  std::string server;                ///< pushdown server URL (http://HOST:PORT)
  std::string token;                 ///< its bearer token (not written to reports)
  std::string dataset;               ///< a dataset with groups in the server's store
  std::string model = "resnet18";    ///< zoo model whose blocks [0, f) are frozen
  std::string weights = "random:1";  ///< registered on the server (serve --weights), or random:SEED
  std::string weights_file;          ///< the workers load it for blocks [s, f) ("": by `weights`)
  int64_t split = 0;                 ///< blocks [0, split) run on the server
  int64_t freeze = -1;               ///< f: the heads read block f-1's output (-1: the model's)
  int64_t storage_batch = 16;        ///< server-side mini-batch [samples]
  int64_t batch = 64;                ///< training batch B [samples]: an update step's samples
  int64_t prefetch = 2;              ///< pieces a worker's pushdowns run ahead of its heads
  Strategy strategy = Strategy::kGl;
  Extraction extraction = Extraction::kShared;
  Placement placement = Placement::kWrapAround;
  std::vector<HeadConfig> configs;
  /// Cached extraction: where a worker keeps the features — "memory", or "disk": one file per
  /// piece under `cache_dir` (a local folder; "": the temporary folder), read back each epoch.
  std::string cache = "memory";
  std::string cache_dir;
  uint64_t seed = 1;                 ///< heads' initial weights
  double collective_timeout_s = 60;  ///< every Gloo operation and the rendezvous
  double retry_timeout_s = 60;       ///< how long a pushdown is retried (503, lost server)
  /// When heads are evaluated on their group's held-out part: "every-epoch" (after each epoch,
  /// inside the training) or "end" (every head once, after every worker finished training:
  /// the training makespan is then training alone, as the simulator predicts it).
  std::string evaluation = "every-epoch";
};

nlohmann::json to_json(const RunSpec& spec);  ///< without the token
/// Reads a spec written by to_json; fails naming `file` and the JSON path.
RunSpec run_spec_from_json(const nlohmann::json& j, const std::string& file);

/// What a groups scenario says about a run (docs/scenario-format.md): its model, freeze index,
/// training batch and configuration grid (heads, learning rates, weight decays, epochs), and
/// its workers (the compute tier's nodes) in `workers`. The rest of `base` is kept. Fails
/// naming the file for what a real run cannot do (an optimizer other than sgd).
RunSpec run_spec_from_scenario(const std::string& file, RunSpec base, int* workers);

/// "linear:lr=0.1,wd=0,e=2" or "mlp-64:lr=0.05,e=3" (keys optional: lr 0.1, wd 0, e 1).
HeadConfig parse_head_config(const std::string& text);
std::string head_label(const HeadConfig& c);

Strategy parse_strategy(const std::string& name);
Extraction parse_extraction(const std::string& name);
Placement parse_placement(const std::string& name);

}  // namespace tiersplit::real_exec::groups
