// bench_recommend.cpp: wall time of `recommend` (screen + simulated confirm) for the benchmark
// scenarios.
//
//   build/bench/bench_recommend [--jobs N] [--repeat R] [scenario.json ...]
//
// Without scenario arguments it runs scenarios/bench-resnet50-grid.json (ResNet-50, one tenant,
// 6 bandwidths: 6 sweep points) and scenarios/mixed-7-tenants.json (7 tenants of different models,
// all searched). Reports the total wall time, the time per sweep point, closed-form evaluations and
// simulated configurations.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/heap.hpp"
#include "optimizer/search.hpp"

using namespace tiersplit;
using Clock = std::chrono::steady_clock;

namespace {

void bench(const std::string& file, int jobs, int repeat) {
  sim::Scenario sc = sim::load_scenario(file);
  optimizer::RecommendOptions opt;
  opt.jobs = jobs;
  opt.progress = false;
  double best = 1e30;
  optimizer::Recommendation rec;
  for (int r = 0; r < repeat; ++r) {
    sim::ProfileCache cache;  // profiles loaded (and derived) each time, as the CLI does
    auto t0 = Clock::now();
    rec = optimizer::recommend(sc, cache, opt);
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::size_t screened = 0, simulated = 0, tenants = 0;
  for (const auto& p : rec.points) {
    screened += p.screened;
    simulated += p.simulated;
    tenants = std::max(tenants, p.tenants.size());
  }
  const double points = static_cast<double>(rec.points.size());
  std::printf("%s: %zu sweep point(s), up to %zu tenant(s)\n", file.c_str(), rec.points.size(),
              tenants);
  std::printf("  recommend (best of %d): %8.3f s total, %8.3f s per sweep point\n", repeat, best,
              best / points);
  std::printf("  closed-form evaluations %zu, simulated configurations %zu\n", screened, simulated);
}

}  // namespace

int main(int argc, char** argv) {
  keep_freed_memory();  // as the tiersplit executable does
  int jobs = 0, repeat = 3;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--jobs" || a == "-j") && i + 1 < argc) {
      jobs = std::atoi(argv[++i]);
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    files = {std::string(TIERSPLIT_SOURCE_DIR) + "/scenarios/bench-resnet50-grid.json",
             std::string(TIERSPLIT_SOURCE_DIR) + "/scenarios/mixed-7-tenants.json"};
  }
  try {
    for (const auto& f : files) bench(f, jobs, repeat);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_recommend: %s\n", e.what());
    return 1;
  }
  return 0;
}
