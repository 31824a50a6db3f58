// sim_fixtures.hpp: hand-built profiles and scenarios with known answers for the simulator tests.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "common/json_reader.hpp"
#include "profiles/profile.hpp"
#include "sim/scenario.hpp"
#include "sim/engine/simgrid_model.hpp"
#include "sim/engine/worker_pool.hpp"
#include "sim/study.hpp"
#include "sim/trace.hpp"

namespace simtest {

using nlohmann::json;

/// A 4-block toy model, freeze index 3. Block i forward takes alpha + beta*b (alpha 0 by default),
/// outputs shrink 200 KB -> 50 KB -> 10 KB -> 4 KB per sample; measured batch sizes 1..256.
struct ToySpec {
  double forward_beta[4] = {2e-3, 1e-3, 1e-3, 0.5e-3};  // s per sample
  double forward_alpha[4] = {0, 0, 0, 0};
  double train_beta = 3e-3;                             // block 3, s per sample
  int64_t output_bytes[4] = {200000, 50000, 10000, 4000};
  int64_t parameter_bytes[4] = {1000000, 2000000, 4000000, 1000000};
  int64_t peak_activation[4] = {400000, 200000, 60000, 20000};
  int64_t max_batch = 256;
};

inline tiersplit::profiles::Profile toy_profile(const ToySpec& spec = {}) {
  using namespace tiersplit::profiles;
  Profile p;
  p.model = "toy";
  p.resolution = 112;
  p.num_classes = 1000;
  p.freeze_index = 3;
  p.input_shape = {3, 112, 112};
  p.input_bytes_per_sample = 3 * 112 * 112 * 4;
  p.batch_sizes = {1, spec.max_batch};
  p.device.kind = "measured";
  p.device.name = "this-machine";
  p.device.peak_flops = 1e11;
  p.device.memory_bandwidth = 1e10;
  for (int i = 0; i < 4; ++i) {
    BlockProfile b;
    b.index = i;
    b.name = "block" + std::to_string(i);
    b.kind = "conv";
    b.output_shape = {spec.output_bytes[i] / 4};
    b.output_bytes_per_sample = spec.output_bytes[i];
    b.parameters = spec.parameter_bytes[i] / 4;
    b.parameter_bytes = spec.parameter_bytes[i];
    b.flops_per_sample = 1000000;
    b.peak_activation_bytes_per_sample = spec.peak_activation[i];
    auto t = [&](int64_t n) { return spec.forward_alpha[i] + spec.forward_beta[i] * static_cast<double>(n); };
    b.forward = {{1, t(1), 0, 5}, {spec.max_batch, t(spec.max_batch), 0, 5}};
    b.forward_fit = {spec.forward_alpha[i], spec.forward_beta[i], 0};
    if (i >= 3) {
      b.train = {{1, spec.train_beta, 0, 5}, {spec.max_batch, spec.train_beta * spec.max_batch, 0, 5}};
      b.train_fit = {0, spec.train_beta, 0};
    }
    p.blocks.push_back(b);
  }
  return p;
}

/// A fresh temporary directory, removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/tiersplit-sim-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

/// A valid one-tenant scenario using "toy.json" (relative to the scenario file).
inline json toy_scenario() {
  return json::parse(R"({
    "format": "tiersplit-scenario",
    "version": 1,
    "name": "toy",
    "platform": {
      "storage": {"nodes": 1, "cores": 16, "pushdown_device": "this-machine", "memory": "16GiB",
                  "disk_bandwidth": "1GBps", "request_overhead": "0us"},
      "network": {"bandwidth": "1Gbps", "latency": "50us"},
      "compute": {"nodes": 1, "device": "this-machine", "memory": "32GiB"}
    },
    "workload": {"tenants": [
      {"name": "a", "model": "toy", "profile": "toy.json", "resolution": 112, "batch_size": 64,
       "dataset": {"samples": 6400, "bytes_per_sample": "100KB", "samples_per_object": 1},
       "iterations": 40, "split": 2, "storage_batch": 16}
    ]},
    "simulation": {"iterations": 40, "prefetch_depth": 1}
  })");
}

inline void write_text(const std::string& file, const std::string& text) {
  std::ofstream out(file);
  out << text;
}

/// Writes toy.json and scenario.json into `dir`; returns the scenario path.
inline std::string write_toy(const TempDir& dir, const json& scenario, const ToySpec& spec = {}) {
  tiersplit::profiles::save_profile(dir.file("toy.json"), toy_profile(spec));
  write_text(dir.file("scenario.json"), scenario.dump(2));
  return dir.file("scenario.json");
}

/// The study of the toy scenario `scenario` (toy.json written beside it, removed afterwards:
/// profiles are loaded while the study is prepared).
inline tiersplit::sim::Study toy_study(const json& scenario) {
  TempDir dir;
  tiersplit::sim::Scenario sc = tiersplit::sim::load_scenario(write_toy(dir, scenario));
  tiersplit::sim::ProfileCache cache;
  return tiersplit::sim::prepare_study(sc, cache);
}

/// Simulated rows of configurations `which` of `st`, one worker, in that order.
inline std::vector<tiersplit::sim::TenantResult> simulate_rows(
    const tiersplit::sim::Study& st, const std::vector<std::size_t>& which,
    const std::string& trace_file = "") {
  tiersplit::sim::RunOptions opt;
  opt.jobs = 1;
  opt.progress = false;
  opt.trace_file = trace_file;
  return tiersplit::sim::run_configurations(st, which, opt);
}

/// Simulated result (closed form beside it) of the first configuration's first reported tenant
/// of the toy scenario `scenario`; `trace_file` receives its timeline when given.
inline tiersplit::sim::TenantResult run_first(const json& scenario,
                                              const std::string& trace_file = "") {
  auto rows = simulate_rows(toy_study(scenario), {0}, trace_file);
  REQUIRE(!rows.empty());
  return rows.front();
}

}  // namespace simtest
