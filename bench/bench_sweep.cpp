// bench_sweep.cpp: configurations simulated per second for sweep scenarios (ResNet-50 grid, 7
// tenants).
//
//   build/bench/bench_sweep [--jobs N] [--repeat R] [--figures FILE] [scenario.json ...]
//
// Without scenario arguments it runs scenarios/bench-resnet50-grid.json (ResNet-50, one tenant,
// every split x 8 storage batches x 6 bandwidths, 50 iterations per configuration) and
// scenarios/mixed-7-tenants.json. For each it reports the closed form's rate (one process), the
// simulation's rate in one worker, and the simulation's rate with all workers (tiersplit sweep).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench/figures.hpp"
#include "common/error.hpp"
#include "common/heap.hpp"
#include "sim/engine/worker_pool.hpp"
#include "sim/study.hpp"

using namespace tiersplit;
using Clock = std::chrono::steady_clock;

namespace {

/// CPU seconds (user + system) used so far by this process's finished children (the workers).
double children_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_CHILDREN, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void run_benchmark(const std::string& file, int jobs, int repeat,
                   std::vector<bench::Figure>& figures) {
  const std::string key = "sweep." + bench::stem(file) + ".";
  sim::Scenario sc = sim::load_scenario(file);
  sim::ProfileCache cache;
  auto t0 = Clock::now();
  sim::Study study = sim::prepare_study(sc, cache);
  double prepare_s = seconds_since(t0);
  const double n = static_cast<double>(study.configs.size());
  std::printf(
      "%s: %zu configurations (%zu sweep points, %zu tenants in the first), prepared in %.3f s\n",
      file.c_str(), study.configs.size(), study.points.size(), study.tenants.front().size(),
      prepare_s);
  figures.push_back({key + "prepare_s", prepare_s, "s", true});

  sim::RunOptions opt;
  opt.progress = false;
  opt.simulate = false;
  double best = 1e30;
  for (int r = 0; r < repeat; ++r) {
    t0 = Clock::now();
    sim::run_shard(study, sim::Shard{}, opt);
    best = std::min(best, seconds_since(t0));
  }
  std::printf("  closed form, 1 process      : %8.3f s  %10.0f configurations/s\n", best, n / best);
  figures.push_back(
      {key + "closed_form_configurations_per_s", n / best, "configurations/s", false});

  opt.simulate = true;
  for (int j : {1, jobs}) {
    opt.jobs = j;
    best = 1e30;
    double best_cpu = 1e30;
    for (int r = 0; r < repeat; ++r) {
      double cpu0 = children_cpu_s();
      t0 = Clock::now();
      sim::run_shard(study, sim::Shard{}, opt);
      best = std::min(best, seconds_since(t0));
      best_cpu = std::min(best_cpu, children_cpu_s() - cpu0);
    }
    std::printf(
        "  simulation, %2d worker(s)    : %8.3f s  %10.0f configurations/s  (%.3f CPU s, %.0f "
        "configurations per CPU s)\n",
        j, best, n / best, best_cpu, n / best_cpu);
    figures.push_back({key + "simulate_" + std::to_string(j) + "_workers_s", best, "s", true});
    if (jobs == 1) break;
  }
}

}  // namespace

int main(int argc, char** argv) {
  keep_freed_memory();  // as the tiersplit executable does
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int repeat = 3;
  std::string figures_file;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--jobs" && i + 1 < argc) {
      jobs = std::atoi(argv[++i]);
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--figures" && i + 1 < argc) {
      figures_file = argv[++i];
    } else if (a == "-h" || a == "--help") {
      std::printf(
          "usage: bench_sweep [--jobs N] [--repeat R] [--figures FILE] [scenario.json ...]\n");
      return 0;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    files = {std::string(TIERSPLIT_SOURCE_DIR) + "/scenarios/bench-resnet50-grid.json",
             std::string(TIERSPLIT_SOURCE_DIR) + "/scenarios/mixed-7-tenants.json"};
  }
  std::printf("bench_sweep: %d worker(s) for the parallel runs, best of %d\n", jobs, repeat);
  try {
    std::vector<bench::Figure> figures;
    for (const auto& f : files) run_benchmark(f, jobs, repeat, figures);
    if (!figures_file.empty()) bench::write_figures(figures_file, "bench_sweep", figures);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_sweep: error: %s\n", e.what());
    return 2;
  }
  return 0;
}
