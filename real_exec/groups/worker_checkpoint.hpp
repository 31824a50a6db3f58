// worker_checkpoint.hpp: a groups run's checkpoints — after every epoch of every pass a worker
// keeps its heads' weights and that epoch's records, so that a restarted run (`groups run
// --resume`) goes on from the last epoch every holder of a task finished.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tiersplit::real_exec::groups {

/// A point in a task: epoch `epoch` of pass `pass` finished (passes in order, epochs from 1).
struct EpochMark {
  int64_t pass = 0, epoch = 0;
  bool operator<(const EpochMark& o) const {
    return pass != o.pass ? pass < o.pass : epoch < o.epoch;
  }
};

/// One worker's checkpoints in DIR/worker-R/: marks.json (per task id, every mark with that
/// epoch's records) and one weights file per mark.
class WorkerCheckpoints {
 public:
  WorkerCheckpoints(std::string dir, int rank, int world);

  /// Removes this worker's checkpoints (a run that does not resume starts clean).
  void clear_own();
  /// Reads every worker's marks; fails naming the file when one is damaged.
  void load_all();

  /// Where task `task_id` held by `holders` resumes: the last mark every holder reached (the
  /// holders of a sharded task finish epochs together, but one may have written its mark and
  /// another not before a worker was killed); nullopt: from the start.
  std::optional<EpochMark> resume_point(int64_t task_id, const std::vector<int>& holders) const;

  /// This worker's weights (one flat tensor per head of the pass) and records at `mark`.
  std::vector<torch::Tensor> weights(int64_t task_id, const EpochMark& mark) const;
  const nlohmann::json& records(int64_t task_id, const EpochMark& mark) const;

  /// Writes this worker's mark (weights first, then marks.json atomically).
  void save(int64_t task_id, const EpochMark& mark, const std::vector<torch::Tensor>& weights,
            nlohmann::json records);

 private:
  std::string worker_dir(int rank) const;
  std::string dir_;
  int rank_, world_;
  /// Per worker: task id -> mark -> that epoch's records.
  std::vector<std::map<int64_t, std::map<EpochMark, nlohmann::json>>> marks_;
};

}  // namespace tiersplit::real_exec::groups
