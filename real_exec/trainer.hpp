// trainer.hpp: the compute-tier TL job — fetch batches through the pushdown server (prefetched),
// run blocks [s,L) with blocks before f frozen, report per-iteration times, loss and accuracy.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/heap.hpp"
#include "real_exec/pushdown_client.hpp"

namespace tiersplit::real_exec {

struct TrainOptions {
  std::string server = "http://127.0.0.1:8470";  ///< pushdown server URL
  std::string token;                             ///< bearer token for the server
  std::string tenant = "trainer";
  std::string dataset = "fashion-mnist";  ///< dataset name (manifest "<name>/manifest.json")
  std::string train_split = "target-train";
  std::string eval_split = "target-test";
  std::string model = "resnet18";
  std::string weights_file;    ///< pretrained weights (safetensors); empty: random
  std::string server_weights;  ///< name the server registered them under (default: file
                               ///< stem)
  int64_t init_seed = 1;       ///< random:SEED weights when no file is given
  int64_t split = 0;           ///< s: blocks [0,s) run on the server
  int64_t freeze = -1;         ///< f: blocks [0,f) frozen (-1: model default)
  int64_t storage_batch = 16;  ///< b: server mini-batch
  int64_t batch = 64;          ///< B: training batch
  int64_t requests = 0;        ///< concurrent requests per batch (0: ceil(B / 128))
  int64_t prefetch = 1;        ///< batches fetched ahead (0: no overlap)
  int64_t epochs = 1;
  int64_t max_iterations = 0;     ///< stop after this many iterations (0: all epochs)
  std::string optimizer = "sgd";  ///< sgd (with momentum) or adam
  double lr = 0.01;
  double momentum = 0.9;
  int64_t seed = 1;          ///< data order and training randomness
  int64_t eval_samples = 0;  ///< held-out samples evaluated at the end (0: all, -1: none)
  int threads = 0;           ///< LibTorch intra-op threads (0: default)
  /// heap faulted in before the first step [MiB] (0: none), so that steps do not fault in
  /// fresh pages as the heap grows (common/heap.hpp)
  int64_t heap_reserve_mib = kDefaultHeapReserveMiB;
  RetryPolicy retry;
  std::string checkpoint;        ///< file written after completed iterations (empty: none)
  int64_t checkpoint_every = 1;  ///< iterations between checkpoints (and after the last one)
  bool resume = false;           ///< continue from `checkpoint` after its last iteration
};

/// Runs the job; returns the report (config, per-iteration records, epochs' sample accounting,
/// held-out loss and accuracy). Bad options throw tiersplit::Error.
nlohmann::json run_training(const TrainOptions& options);

/// `tiersplit pretrain`: trains the whole model on the source task reading the store directly.
struct PretrainOptions {
  std::string store;
  std::string dataset = "fashion-mnist";
  std::string train_split = "source-train";
  std::string eval_split = "source-test";
  std::string model = "resnet18";
  std::string output;  ///< weights file to write (safetensors)
  int64_t init_seed = 1;
  int64_t batch = 64;
  int64_t epochs = 1;
  int64_t max_iterations = 0;
  std::string optimizer = "adam";
  double lr = 0.001;
  double momentum = 0.9;
  int64_t seed = 1;
  int64_t eval_samples = 0;
  int threads = 0;
};
nlohmann::json run_pretraining(const PretrainOptions& options);

}  // namespace tiersplit::real_exec
