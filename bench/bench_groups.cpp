// bench_groups.cpp: wall time of `recommend` on a groups scenario (every configuration screened in
// closed form, the finalists and each strategy's best simulated), and the screening rate.
//
//   build/bench/bench_groups [--jobs N] [--repeat R] [--figures FILE] [scenario.json ...]
//
// Without scenario arguments it runs scenarios/bench-groups-1000.json (1,000 groups x 12
// configurations x 16 workers). Reports the best of R runs: total seconds, configurations
// screened and simulated, and configurations screened per second of the whole recommendation.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/figures.hpp"
#include "common/error.hpp"
#include "common/heap.hpp"
#include "groups/recommend/groups_search.hpp"

using namespace tiersplit;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  int jobs = 0, repeat = 1;
  std::string figures;
  std::vector<std::string> scenarios;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail(s, ": expected a value");
      return argv[++i];
    };
    if (s == "--jobs")
      a.jobs = std::atoi(value().c_str());
    else if (s == "--repeat")
      a.repeat = std::max(1, std::atoi(value().c_str()));
    else if (s == "--figures")
      a.figures = value();
    else if (!s.empty() && s[0] == '-')
      fail("unknown option ", s, " (--jobs N, --repeat R, --figures FILE)");
    else
      a.scenarios.push_back(s);
  }
  if (a.scenarios.empty())
    a.scenarios.push_back(std::string(TIERSPLIT_SOURCE_DIR) + "/scenarios/bench-groups-1000.json");
  return a;
}

void run_benchmark(const std::string& file, const Args& a, std::vector<bench::Figure>& figures) {
  const groups::GroupsScenario sc = groups::load_groups_scenario(file);
  groups::GroupsSearchOptions o;
  o.jobs = a.jobs;
  o.progress = false;
  double best = 1e30;
  groups::GroupsRecommendation rec;
  for (int r = 0; r < a.repeat; ++r) {
    sim::ProfileCache cache;  // profiles loaded each time, as the CLI does
    const auto t0 = Clock::now();
    const groups::GroupsStudy st = groups::prepare_groups_study(sc, cache);
    rec = groups::recommend_groups(st, o);
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::size_t screened = 0, simulated = 0;
  for (const auto& p : rec.points) {
    screened += p.screened;
    simulated += p.simulated;
  }
  const double rate = static_cast<double>(screened) / best;
  std::printf("%s: %zu sweep point(s)\n", file.c_str(), rec.points.size());
  std::printf(
      "  recommend (best of %d): %8.3f s; %zu configurations screened (%.0f/s), %zu "
      "simulated\n",
      a.repeat, best, screened, rate, simulated);
  const std::string stem = "groups." + bench::stem(file);
  figures.push_back({stem + ".recommend_s", best, "s", true});
  figures.push_back({stem + ".screened_per_s", rate, "configurations/s", false});
}

}  // namespace

int main(int argc, char** argv) {
  keep_freed_memory();  // as the tiersplit executable does
  try {
    const Args a = parse(argc, argv);
    std::vector<bench::Figure> figures;
    for (const auto& f : a.scenarios) run_benchmark(f, a, figures);
    if (!a.figures.empty()) bench::write_figures(a.figures, "groups", figures);
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_groups: %s\n", e.what());
    return 2;
  }
}
