// figures.hpp: the speed figures a benchmark reports, as the JSON that scripts/bench.sh compares
// with bench/baseline.json.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tiersplit::bench {

struct Figure {
  std::string name;   ///< unique across benchmarks, e.g. "sweep.resnet50-grid.simulate_s"
  double value = 0;
  std::string unit;   ///< "s", "configurations/s", ...
  bool lower_is_better = true;
};

/// Writes {"benchmark": NAME, "figures": [{name, value, unit, better}]} to `file`.
inline void write_figures(const std::string& file, const std::string& benchmark,
                          const std::vector<Figure>& figures) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : figures) {
    list.push_back({{"name", f.name},
                    {"value", f.value},
                    {"unit", f.unit},
                    {"better", f.lower_is_better ? "lower" : "higher"}});
  }
  std::ofstream(file) << nlohmann::json{{"benchmark", benchmark}, {"figures", list}}.dump(2)
                      << "\n";
}

/// "bench-resnet50-grid" from "/path/scenarios/bench-resnet50-grid.json".
inline std::string stem(const std::string& path) {
  std::string s = path.substr(path.find_last_of('/') + 1);
  return s.substr(0, s.rfind('.'));
}

}  // namespace tiersplit::bench
