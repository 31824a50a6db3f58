// worker_checkpoint.cpp: marks and weights per epoch, read back on resume (see
// worker_checkpoint.hpp).
#include "real_exec/groups/worker_checkpoint.hpp"

#include <filesystem>

#include "common/error.hpp"
#include "common/json_reader.hpp"

namespace tiersplit::real_exec::groups {

namespace fs = std::filesystem;

namespace {

std::string weights_name(int64_t task_id, const EpochMark& m) {
  return "t" + std::to_string(task_id) + "-p" + std::to_string(m.pass) + "-e" +
         std::to_string(m.epoch) + ".pt";
}

}  // namespace

WorkerCheckpoints::WorkerCheckpoints(std::string dir, int rank, int world)
    : dir_(std::move(dir)), rank_(rank), world_(world), marks_(static_cast<std::size_t>(world)) {
  fs::create_directories(worker_dir(rank_));
}

std::string WorkerCheckpoints::worker_dir(int rank) const {
  return (fs::path(dir_) / ("worker-" + std::to_string(rank))).string();
}

void WorkerCheckpoints::clear_own() {
  fs::remove_all(worker_dir(rank_));
  fs::create_directories(worker_dir(rank_));
  marks_[static_cast<std::size_t>(rank_)].clear();
}

void WorkerCheckpoints::load_all() {
  for (int r = 0; r < world_; ++r) {
    auto& mine = marks_[static_cast<std::size_t>(r)];
    mine.clear();
    const std::string file = worker_dir(r) + "/marks.json";
    if (!fs::exists(file)) continue;
    const JsonView root = load_json_file(file);
    const JsonView tasks = root.at("tasks");
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      const JsonView t = tasks.at(i);
      const int64_t id = t.integer("task");
      const JsonView marks = t.at("marks");
      for (std::size_t k = 0; k < marks.size(); ++k) {
        const JsonView m = marks.at(k);
        mine[id][EpochMark{m.integer("pass"), m.integer("epoch")}] = m.raw().at("records");
      }
    }
  }
}

std::optional<EpochMark> WorkerCheckpoints::resume_point(int64_t task_id,
                                                         const std::vector<int>& holders) const {
  std::optional<EpochMark> common;
  for (int h : holders) {
    const auto& by_task = marks_.at(static_cast<std::size_t>(h));
    auto it = by_task.find(task_id);
    if (it == by_task.end() || it->second.empty()) return std::nullopt;
    const EpochMark last = it->second.rbegin()->first;
    if (!common || last < *common) common = last;
  }
  return common;
}

std::vector<torch::Tensor> WorkerCheckpoints::weights(int64_t task_id,
                                                      const EpochMark& mark) const {
  const std::string file = worker_dir(rank_) + "/" + weights_name(task_id, mark);
  std::vector<torch::Tensor> out;
  try {
    torch::load(out, file);
  } catch (const std::exception& e) {
    const std::string what = e.what();
    fail("cannot read the checkpoint ", file, " (", what.substr(0, what.find('\n')),
         "); run again without --resume");
  }
  return out;
}

const nlohmann::json& WorkerCheckpoints::records(int64_t task_id, const EpochMark& mark) const {
  return marks_.at(static_cast<std::size_t>(rank_)).at(task_id).at(mark);
}

void WorkerCheckpoints::save(int64_t task_id, const EpochMark& mark,
                             const std::vector<torch::Tensor>& weights, nlohmann::json records) {
  const std::string dir = worker_dir(rank_);
  const std::string file = dir + "/" + weights_name(task_id, mark);
  torch::save(weights, file + ".part");
  fs::rename(file + ".part", file);
  auto& mine = marks_[static_cast<std::size_t>(rank_)];
  mine[task_id][mark] = std::move(records);
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& [id, marks] : mine) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [m, rec] : marks)
      list.push_back({{"pass", m.pass}, {"epoch", m.epoch}, {"records", rec}});
    tasks.push_back({{"task", id}, {"marks", list}});
  }
  write_json_file(dir + "/marks.json",
                  {{"format", "tiersplit-groups-checkpoint/1"}, {"rank", rank_}, {"tasks", tasks}});
}

}  // namespace tiersplit::real_exec::groups
