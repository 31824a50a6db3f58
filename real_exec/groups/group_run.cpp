// group_run.cpp: starting P local workers, watching them, merging their records (see
// group_run.hpp).
#include "real_exec/groups/group_run.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <thread>

#include "common/error.hpp"
#include "common/free_port.hpp"
#include "common/json_reader.hpp"
#include "common/progress.hpp"
#include "common/stopwatch.hpp"
#include "common/subprocess.hpp"
#include "common/table.hpp"
#include "real_exec/pushdown_client.hpp"
#include "real_exec/testbed.hpp"
#include "real_exec/tier_jobs.hpp"

namespace tiersplit::real_exec::groups {

namespace {

/// "w0 3/5 w1 2/4": tasks done per worker, from the files workers write after each task.
std::string tasks_done(int workers, const std::function<std::string(int)>& progress_file) {
  std::string out;
  for (int r = 0; r < workers; ++r) {
    std::ifstream in(progress_file(r));
    int64_t done = 0, total = 0;
    if (in >> done >> total)
      out += " w" + std::to_string(r) + " " + std::to_string(done) + "/" + std::to_string(total);
  }
  return out.empty() ? "starting" : "tasks" + out;
}

/// Per (group, configuration): the accuracy after each epoch, the final one and the first epoch
/// that reached it.
nlohmann::json accuracy_table(const std::vector<nlohmann::json>& records) {
  std::map<std::pair<int64_t, int64_t>, std::map<int64_t, double>> acc;
  for (const auto& r : records) {
    for (const auto& a : r.at("accuracy")) {
      const double total = a.at("total").get<double>();
      acc[{a.at("group").get<int64_t>(), a.at("config").get<int64_t>()}]
         [a.at("epoch").get<int64_t>()] = total > 0 ? a.at("correct").get<double>() / total : 0;
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [key, by_epoch] : acc) {
    const double final_acc = by_epoch.rbegin()->second;
    int64_t reached = by_epoch.rbegin()->first;
    for (const auto& [e, v] : by_epoch) {
      if (v >= final_acc) {
        reached = e;
        break;
      }
    }
    std::vector<double> curve;
    for (const auto& [e, v] : by_epoch) curve.push_back(v);
    out.push_back({{"group", key.first},
                   {"config", key.second},
                   {"final_accuracy", final_acc},
                   {"epoch_reached", reached},
                   {"accuracy_per_epoch", curve}});
  }
  return out;
}

/// Every (group, configuration, epoch): the samples trained over all workers against the group's.
nlohmann::json exactly_once(const RunSpec& spec, const std::vector<DatasetGroup>& groups,
                            const std::vector<nlohmann::json>& records) {
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::pair<int64_t, uint64_t>> seen;
  for (const auto& r : records) {
    for (const auto& t : r.at("trained")) {
      auto& s = seen[{t.at("group").get<int64_t>(), t.at("config").get<int64_t>(),
                      t.at("epoch").get<int64_t>()}];
      s.first += t.at("samples").get<int64_t>();
      s.second += digest_value(t.at("digest").get<std::string>());
    }
  }
  nlohmann::json violations = nlohmann::json::array();
  int64_t checked = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    for (std::size_t c = 0; c < spec.configs.size(); ++c) {
      for (int64_t e = 1; e <= spec.configs[c].epochs; ++e) {
        ++checked;
        auto it = seen.find({int64_t(g), int64_t(c), e});
        const int64_t n = it == seen.end() ? 0 : it->second.first;
        const std::string digest = it == seen.end() ? "" : digest_hex(it->second.second);
        if (n != groups[g].train_samples || digest != groups[g].train_digest) {
          violations.push_back({{"group", groups[g].name},
                                {"config", c},
                                {"epoch", e},
                                {"samples", n},
                                {"expected", groups[g].train_samples}});
        }
      }
    }
  }
  return {{"checked", checked}, {"violations", violations}, {"exactly_once", violations.empty()}};
}

/// Adds `record`'s values of the keys of `sums` to them (seconds as floats, counts as integers).
void add_counts(nlohmann::json& sums, const nlohmann::json& record) {
  for (auto& [k, v] : sums.items()) {
    if (v.is_number_float())
      v = v.get<double>() + record.at(k).get<double>();
    else
      v = v.get<int64_t>() + record.at(k).get<int64_t>();
  }
}

/// OUT_DIR/worker-R<ext>: a worker's log, record, progress.
std::string worker_file(const std::string& out_dir, int rank, const char* ext) {
  return (std::filesystem::path(out_dir) / ("worker-" + std::to_string(rank) + ext)).string();
}

/// A worker that failed; `cause` names it ("worker 1 was killed (signal 9)"), the message adds
/// what happened to the run and the worker's last lines.
class WorkerFailure : public Error {
 public:
  WorkerFailure(std::string cause, const std::string& message)
      : Error(message), cause_(std::move(cause)) {}
  const std::string& cause() const { return cause_; }

 private:
  std::string cause_;
};

/// The first failure makes the others fail too (their collectives lose a peer): give them a
/// moment, name the worker that failed first in cause (one killed by a signal, else the lowest
/// rank), stop the rest and throw WorkerFailure with that worker's last lines.
[[noreturn]] void stop_after_failure(std::vector<ChildProcess>& children,
                                     const std::string& out_dir) {
  const auto t0 = SteadyClock::now();
  while (seconds_since(t0) < 2) {
    bool any = false;
    for (auto& c : children) any = c.running() || any;
    if (!any) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  int culprit = -1;
  for (int r = 0; r < static_cast<int>(children.size()); ++r) {
    auto& c = children[static_cast<std::size_t>(r)];
    if (c.running() || c.exit_status() == 0) continue;
    if (culprit < 0 || (c.exit_status() > 128 && children[culprit].exit_status() <= 128))
      culprit = r;
  }
  for (auto& c : children) c.stop(2);
  const int status = children[static_cast<std::size_t>(culprit)].exit_status();
  const std::string cause =
      "worker " + std::to_string(culprit) +
      (status > 128 ? " was killed (signal " + std::to_string(status - 128) + ")"
                    : " failed (exit " + std::to_string(status) + ")");
  throw WorkerFailure(cause, cause + "; the run is stopped and its report not written" +
                                 log_tail(worker_file(out_dir, culprit, ".log")));
}

}  // namespace

nlohmann::json merge_records(const RunSpec& spec, const std::vector<DatasetGroup>& groups,
                             const std::vector<nlohmann::json>& records) {
  double start = 1e300, end = 0, train_start = 1e300, train_end = 0;
  for (const auto& r : records) {
    start = std::min(start, r.at("start_unix_s").get<double>());
    end = std::max(end, r.at("end_unix_s").get<double>());
    train_start = std::min(train_start, r.at("train_start_unix_s").get<double>());
    train_end = std::max(train_end, r.at("train_end_unix_s").get<double>());
  }
  const double makespan = records.empty() ? 0 : end - start;
  const double training = records.empty() ? 0 : train_end - train_start;
  nlohmann::json workers = nlohmann::json::array();
  nlohmann::json totals = {
      {"storage_bytes", 0}, {"server_compute_s", 0.0}, {"server_compute_cpu_s", 0.0},
      {"pushdowns", 0},     {"gloo_bytes", 0},         {"gloo_calls", 0},
      {"cache_bytes", 0}};
  nlohmann::json evaluation = {{"pushdowns", 0},
                               {"storage_bytes", 0},
                               {"server_compute_s", 0.0},
                               {"server_compute_cpu_s", 0.0}};
  for (const auto& r : records) {
    const double active = r.at("end_unix_s").get<double>() - r.at("start_unix_s").get<double>();
    const double busy = r.at("busy_s").get<double>();
    const double waiting = r.at("data_wait_s").get<double>() + r.at("sync_wait_s").get<double>();
    nlohmann::json w = r;
    w.erase("trained");
    w.erase("accuracy");
    w.erase("weights");
    w["other_s"] = std::max(0.0, active - busy - waiting);  // setup, model loading, bookkeeping
    w["idle_s"] = std::max(0.0, makespan - active);         // done before the last worker
    workers.push_back(w);
    add_counts(totals, r);
    add_counts(evaluation, r.at("evaluation"));
  }
  totals["evaluation"] = evaluation;
  totals["cache_bytes_largest"] = 0;
  for (const auto& r : records)
    totals["cache_bytes_largest"] =
        std::max(totals["cache_bytes_largest"].get<int64_t>(), r.at("cache_bytes").get<int64_t>());
  return {{"format", "tiersplit-groups-report/1"},
          {"spec", to_json(spec)},
          {"workers_count", records.size()},
          {"groups", groups.size()},
          {"makespan_s", makespan},
          {"training_makespan_s", training},
          {"totals", totals},
          {"workers", workers},
          {"accuracy", accuracy_table(records)},
          {"checks", exactly_once(spec, groups, records)}};
}

namespace {

/// Starts `tiersplit <args(R)>` for every rank R with torchrun's variables (in the testbed's
/// worker namespaces if given), shows progress (tasks done, from OUT_DIR/worker-R.progress),
/// stops every worker as soon as one fails, and returns when all have ended well. Worker R's
/// output goes to OUT_DIR/worker-R.log.
void launch_workers(const LaunchOptions& o, const std::string& title,
                    const std::function<std::vector<std::string>(int)>& args) {
  namespace fs = std::filesystem;
  const int port = o.master_port > 0 ? o.master_port : free_tcp_port();
  auto file = [&](int r, const char* ext) { return worker_file(o.out_dir, r, ext); };
  std::vector<ChildProcess> children;
  for (int r = 0; r < o.workers; ++r) {
    fs::remove(file(r, ".log"));
    fs::remove(file(r, ".progress"));
    std::vector<std::string> worker = args(r);
    if (o.testbed_dir.empty()) {
      worker.insert(worker.begin(), tiersplit_executable());
    } else {  // in worker R's namespace, on its cores
      worker = on_tier(o.testbed_dir, "worker-" + std::to_string(r), worker);
    }
    std::vector<std::string> argv{
        "/usr/bin/env", "RANK=" + std::to_string(r), "WORLD_SIZE=" + std::to_string(o.workers),
        "MASTER_ADDR=" + o.master_addr, "MASTER_PORT=" + std::to_string(port)};
    argv.insert(argv.end(), worker.begin(), worker.end());
    children.emplace_back(argv, file(r, ".log"));
  }
  ProgressBar bar(title + " (" + std::to_string(o.workers) + " workers)", o.workers);
  const auto t0 = SteadyClock::now();
  std::vector<bool> done(static_cast<std::size_t>(o.workers), false);
  for (int finished = 0; finished < o.workers;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    bar.advance(0, tasks_done(o.workers, [&](int r) { return file(r, ".progress"); }));
    for (int r = 0; r < o.workers; ++r) {
      if (done[r] || children[r].running()) continue;
      done[r] = true;
      ++finished;
      bar.advance(1);
      if (children[r].exit_status() != 0) stop_after_failure(children, o.out_dir);
    }
    if (seconds_since(t0) > o.timeout_s) {
      for (auto& c : children) c.stop(2);
      fail("the ", title, " took longer than ", o.timeout_s, " s; every worker was stopped");
    }
  }
  bar.finish();
}

/// Checks the worker count and makes OUT_DIR (absolute: workers on other hosts get its paths).
/// On a testbed: it must have the workers, rank 0's address there is the master, and on a
/// testbed of hosts OUT_DIR must be in the folder every host shares.
LaunchOptions checked_launch(const LaunchOptions& options) {
  namespace fs = std::filesystem;
  LaunchOptions o = options;
  if (o.workers < 1 || o.workers > 64) fail("--workers ", o.workers, " must be in 1..64");
  fs::create_directories(o.out_dir);
  o.out_dir = fs::absolute(o.out_dir).lexically_normal().string();
  if (o.testbed_dir.empty()) return o;
  const nlohmann::json tb = testbed_state(o.testbed_dir);
  const int have = tb.value("workers", 1);
  if (have < o.workers)
    fail("the testbed (", o.testbed_dir, ") has ", have, " worker", have == 1 ? "" : "s",
         "; bring it up with tiersplit testbed up --workers ", o.workers);
  if (tb.contains("worker_addresses")) o.master_addr = tb["worker_addresses"].at(0);
  if (tb.value("mode", "") != "hosts") return o;
  const std::string shared = tb.value("shared_dir", std::string());
  const auto rel = fs::path(o.out_dir).lexically_relative(shared);
  if (shared.empty() || rel.empty() || *rel.begin() == "..") {
    fail("--out-dir ", o.out_dir,
         ": the workers on the testbed's hosts write their records there, ",
         shared.empty() ? std::string("but the testbed has no shared folder; bring it up with "
                                      "--shared-dir DIR (a folder every host sees at one path)")
                        : "so it must be inside the folder the hosts share, " + shared);
  }
  return o;
}

/// With --resume, OUT_DIR's spec (if any) must be this one: checkpoints of another run would
/// mix two runs' heads.
void check_same_spec(const std::string& spec_file, const RunSpec& spec) {
  if (!std::filesystem::exists(spec_file)) return;
  const nlohmann::json before = load_json_file(spec_file).raw(), now = to_json(spec);
  for (const auto& [key, value] : now.items()) {
    if (key == "server" || key == "collective_timeout_s" || key == "retry_timeout_s") continue;
    if (!before.contains(key) || before.at(key) != value)
      fail(spec_file, ": the run there differs in /", key, " (",
           before.value(key, nlohmann::json()).dump(), " there, ", value.dump(),
           " now); --resume goes on with the same run only");
  }
}

}  // namespace

nlohmann::json run_local(const RunSpec& spec, const LaunchOptions& options) {
  namespace fs = std::filesystem;
  const LaunchOptions o = checked_launch(options);
  const std::string spec_file = (fs::path(o.out_dir) / "spec.json").string();
  const std::string checkpoints = (fs::path(o.out_dir) / "checkpoints").string();
  if (o.resume)
    check_same_spec(spec_file, spec);
  else
    fs::remove_all(checkpoints);
  write_json_file(spec_file, to_json(spec));
  if (!spec.token.empty())
    setenv("TIERSPLIT_TOKEN", spec.token.c_str(), 1);  // the workers inherit it
  auto file = [&](int r, const char* ext) { return worker_file(o.out_dir, r, ext); };
  int restarts = 0;
  for (bool resume = o.resume;; resume = true) {
    for (int r = 0; r < o.workers; ++r) fs::remove(file(r, ".json"));
    try {
      launch_workers(o, "groups run", [&](int r) {
        std::vector<std::string> a{
            "groups",        "worker",         "--spec",     spec_file,
            "--out",         file(r, ".json"), "--progress", file(r, ".progress"),
            "--checkpoints", checkpoints};
        if (resume) a.push_back("--resume");
        return a;
      });
      break;
    } catch (const WorkerFailure& e) {
      if (!o.resume || restarts >= o.restarts) throw;
      ++restarts;
      std::cerr << "groups run: " << e.cause() << "\ngroups run: starting the " << o.workers
                << " workers again from the last epoch every holder finished "
                << "(restart " << restarts << " of at most " << o.restarts << ")" << std::endl;
    }
  }
  std::vector<nlohmann::json> records;
  for (int r = 0; r < o.workers; ++r) records.push_back(load_json_file(file(r, ".json")).raw());
  PushdownClient client(spec.server, spec.token);
  const auto groups = dataset_groups(client.manifest(spec.dataset));
  nlohmann::json report = merge_records(spec, groups, records);
  report["restarts"] = restarts;
  report["resumed"] = o.resume;
  return report;
}

nlohmann::json run_gloo_probe(const LaunchOptions& options, int calls, double timeout_s,
                              int64_t large_bytes) {
  namespace fs = std::filesystem;
  const LaunchOptions o = checked_launch(options);
  if (o.workers < 2) fail("--workers ", o.workers, ": probing Gloo takes at least 2 workers");
  const std::string out = (fs::path(o.out_dir) / "gloo-probe-rank0.json").string();
  fs::remove(out);
  launch_workers(o, "gloo probe", [&](int r) {
    std::vector<std::string> a{
        "groups",    "probe-worker",       "--calls", std::to_string(calls),
        "--timeout", fmt("%g", timeout_s), "--bytes", std::to_string(large_bytes) + "B"};
    if (r == 0) a.insert(a.end(), {"--out", out});
    return a;
  });
  nlohmann::json probe = load_json_file(out).raw();
  probe["link"] = o.testbed_dir.empty()
                      ? std::string("this machine (loopback)")
                      : testbed_state(o.testbed_dir).value("worker_link", std::string());
  return probe;
}

}  // namespace tiersplit::real_exec::groups
