// bench_recommend.cpp: wall time of `recommend` (screen + simulations) for the benchmark
// scenarios, and how good its joint choice is against the thorough search.
//
//   build/bench/bench_recommend [--jobs N] [--repeat R] [--figures FILE] [--compare-thorough]
//                               [scenario.json ...]
//
// Without scenario arguments it runs scenarios/quickstart.json (2 tenants, 3 points),
// scenarios/bench-resnet50-grid.json (ResNet-50, one tenant, 6 bandwidths) and
// scenarios/mixed-7-tenants.json (7 tenants of different models, 24 sweep points). Reports the
// total wall time, closed-form evaluations and simulated configurations. --compare-thorough also
// runs `recommend --thorough` once per scenario and prints the sum over points of the chosen
// configurations' summed job times, and their ratio (below 1: the default choice is better).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/figures.hpp"
#include "common/error.hpp"
#include "common/heap.hpp"
#include "optimizer/search.hpp"

using namespace tiersplit;
using Clock = std::chrono::steady_clock;

namespace {

struct Run {
  optimizer::Recommendation rec;
  double seconds = 1e30;
};

Run recommend_best_of(const sim::Scenario& sc, const optimizer::RecommendOptions& opt, int repeat) {
  Run run;
  for (int r = 0; r < repeat; ++r) {
    sim::ProfileCache cache;  // profiles loaded (and derived) each time, as the CLI does
    auto t0 = Clock::now();
    run.rec = optimizer::recommend(sc, cache, opt);
    run.seconds = std::min(run.seconds, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return run;
}

/// Sum over points of the chosen configurations' summed job times.
double total_job_time(const optimizer::Recommendation& rec) {
  double total = 0;
  for (const auto& p : rec.points) {
    for (const auto& t : p.tenants) total += t.predicted.job_s;
  }
  return total;
}

void run_benchmark(const std::string& file, int jobs, int repeat, bool compare,
                   std::vector<bench::Figure>& figures) {
  sim::Scenario sc = sim::load_scenario(file);
  optimizer::RecommendOptions opt;
  opt.jobs = jobs;
  opt.progress = false;
  const Run run = recommend_best_of(sc, opt, repeat);
  std::size_t screened = 0, simulated = 0, tenants = 0;
  for (const auto& p : run.rec.points) {
    screened += p.screened;
    simulated += p.simulated;
    tenants = std::max(tenants, p.tenants.size());
  }
  const double points = static_cast<double>(run.rec.points.size());
  std::printf("%s: %zu sweep point(s), up to %zu tenant(s)\n", file.c_str(), run.rec.points.size(),
              tenants);
  std::printf("  recommend (best of %d): %8.3f s total, %8.3f s per sweep point\n", repeat,
              run.seconds, run.seconds / points);
  std::printf("  closed-form evaluations %zu, simulated configurations %zu\n", screened, simulated);
  figures.push_back({"recommend." + bench::stem(file) + ".total_s", run.seconds, "s", true});
  if (!compare) return;
  const Run thorough = recommend_best_of(sc, optimizer::thorough(opt), 1);
  const double mine = total_job_time(run.rec), theirs = total_job_time(thorough.rec);
  int worse = 0;
  for (std::size_t i = 0; i < run.rec.points.size(); ++i) {
    double a = 0, b = 0;
    for (const auto& t : run.rec.points[i].tenants) a += t.predicted.job_s;
    for (const auto& t : thorough.rec.points[i].tenants) b += t.predicted.job_s;
    worse += a > b * (1 + 1e-9);
  }
  std::printf(
      "  --thorough: %.3f s; summed job times of the choices %.1f s (default) vs %.1f s "
      "(thorough): ratio %.4f, %d of %zu points worse\n",
      thorough.seconds, mine, theirs, mine / theirs, worse, run.rec.points.size());
}

}  // namespace

int main(int argc, char** argv) {
  keep_freed_memory();  // as the tiersplit executable does
  int jobs = 0, repeat = 3;
  bool compare = false;
  std::string figures_file;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--jobs" || a == "-j") && i + 1 < argc) {
      jobs = std::atoi(argv[++i]);
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--figures" && i + 1 < argc) {
      figures_file = argv[++i];
    } else if (a == "--compare-thorough") {
      compare = true;
    } else if (a == "-h" || a == "--help") {
      std::printf(
          "usage: bench_recommend [--jobs N] [--repeat R] [--figures FILE] [--compare-thorough] "
          "[scenario.json ...]\n");
      return 0;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    for (const char* f : {"quickstart", "bench-resnet50-grid", "mixed-7-tenants"})
      files.push_back(std::string(TIERSPLIT_SOURCE_DIR) + "/scenarios/" + f + ".json");
  }
  try {
    std::vector<bench::Figure> figures;
    for (const auto& f : files) run_benchmark(f, jobs, repeat, compare, figures);
    if (!figures_file.empty()) bench::write_figures(figures_file, "bench_recommend", figures);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_recommend: %s\n", e.what());
    return 1;
  }
  return 0;
}
