// groups_fixtures.hpp: a tiny groups workload with answers worked out by hand — the toy backbone
// of the simulator tests (tests/sim/sim_fixtures.hpp), 2 workers, 3 groups, a few configurations.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "groups/closed_form.hpp"
#include "groups/engine/groups_runner.hpp"
#include "groups/study.hpp"
#include "sim/sim_fixtures.hpp"

namespace groupstest {

using nlohmann::json;

/// Worker time per streamed sample at split 0: the toy's blocks 0..2 forward (2 + 1 + 1 ms).
/// Everything else is made negligible: storage disk 100 GB/s, network 100 Gbps, no request
/// overhead, linear heads of 2,500 x 10 weights (1.5 us per sample on 1e11 flop/s).
constexpr double kExtractPerSample = 4e-3;
/// One all-reduce call: the compute network's per-call overhead (latency 0).
constexpr double kCallOverhead = 1e-3;

/// 2 workers, groups [400, 200, 200], two linear configurations (learning rates 0.1 and 0.01),
/// one epoch, training batch 64. `strategy` fixes the strategy (an object with "name", ...).
inline json toy_groups(const json& strategy) {
  json j = json::parse(R"({
    "format": "tiersplit-scenario",
    "version": 1,
    "name": "toy-groups",
    "platform": {
      "storage": {"nodes": 1, "cores": 16, "pushdown_device": "this-machine", "memory": "16GiB",
                  "disk_bandwidth": "100GBps", "request_overhead": "0us"},
      "network": {"bandwidth": "100Gbps", "latency": "0us"},
      "compute": {"nodes": 2, "device": "this-machine", "memory": "32GiB", "disk": "100GB",
                  "disk_bandwidth": "1GBps"},
      "compute_network": {"bandwidth": "10Gbps", "latency": "0us", "collective_overhead": "1ms"}
    },
    "workload": {"groups": {
      "model": "toy", "profile": "toy.json", "resolution": 112, "batch_size": 64, "classes": 10,
      "dataset": {"bytes_per_sample": "125KB", "samples_per_object": 1},
      "sizes": [400, 200, 200],
      "configurations": {"heads": [{"kind": "linear"}], "learning_rates": [0.1, 0.01],
                         "epochs": [1]}
    }}
  })");
  j["strategy"] = strategy;
  return j;
}

/// {"name": s, "extraction": e, "split": split, "storage_batch": b} (GL: wrap-around placement).
inline json fixed(const std::string& s, const std::string& e, int split = 0, int b = 1) {
  json j = {{"name", s}, {"extraction", e}, {"split", split}, {"storage_batch", b}};
  if (s == "gl") j["placement"] = "wrap-around";
  return j;
}

/// A scenario written with the toy profile beside it, loaded and prepared.
struct ToyStudy {
  simtest::TempDir dir;
  tiersplit::sim::ProfileCache cache;
  tiersplit::groups::GroupsStudy study;
  explicit ToyStudy(const json& scenario, const simtest::ToySpec& spec = {}) {
    const std::string file = simtest::write_toy(dir, scenario, spec);
    study = tiersplit::groups::prepare_groups_study(tiersplit::groups::load_groups_scenario(file),
                                                    cache);
  }
  /// Configuration i's closed-form outcome.
  tiersplit::groups::GroupsOutcome closed_form(std::size_t i = 0) const {
    const auto e = tiersplit::groups::evaluate(study, study.configs.at(i));
    return tiersplit::groups::estimate_plan(e.plan, e.costs, study.points[study.configs[i].point],
                                            study.scenario.chunks);
  }
  /// Configuration i's plan.
  tiersplit::groups::Plan plan(std::size_t i = 0) const {
    return tiersplit::groups::evaluate(study, study.configs.at(i)).plan;
  }
  /// Configurations `which`, simulated (in worker processes).
  std::vector<tiersplit::groups::GroupsResult> simulate(std::vector<std::size_t> which = {0},
                                                        int jobs = 1) const {
    tiersplit::sim::RunOptions o;
    o.jobs = jobs;
    o.progress = false;
    return tiersplit::groups::run_groups(study, which, o);
  }
};

}  // namespace groupstest
