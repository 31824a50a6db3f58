// groups_plot.cpp: gnuplot script and data for the groups recommendation plot.
#include "groups/recommend/groups_plot.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include "common/gnuplot.hpp"
#include "common/json_reader.hpp"

namespace tiersplit::groups {

namespace {

/// Top panel: one line per strategy over the sweep points, the choice marked.
void makespan_panel(const GroupsRecommendation& r, const Gnuplot& g, std::ostringstream& script) {
  const std::string data = g.data_file("makespan.dat");
  std::ofstream out(data);
  std::vector<std::string> plots;
  int block = 0;
  for (std::size_t s = 0; s < std::size(kStrategies); ++s) {
    for (const auto& p : r.points) {
      const StrategyBaseline& b = p.strategies[s];
      out << p.point << " " << (b.feasible ? std::to_string(b.best.outcome.makespan_s) : "NaN")
          << "\n";
    }
    out << "\n\n";
    plots.push_back(Gnuplot::quote(data) + " index " + std::to_string(block++) +
                    " using 1:2 with linespoints lw 2 title '" + to_string(kStrategies[s]) + "'");
  }
  for (const auto& p : r.points) out << p.point << " " << p.choice.outcome.makespan_s << "\n";
  out << "\n\n";
  plots.push_back(Gnuplot::quote(data) + " index " + std::to_string(block) +
                  " using 1:2 with points pt 7 ps 2 lc rgb 'red' title 'choice'");
  script << "set title " << Gnuplot::quote(r.scenario + ": makespan per strategy (simulated)")
         << "\nset ylabel 'makespan [s]'\nset logscale y\nset grid\nset key outside right top\n"
         << "set datafile missing 'NaN'\nset xrange [-0.5:" << r.points.size() - 0.5 << "]\n";
  script << "set xtics (";
  for (std::size_t i = 0; i < r.points.size(); ++i) {
    std::string label = "point " + std::to_string(i);
    if (!r.points[i].labels.empty()) {
      label.clear();
      for (const auto& [k, v] : r.points[i].labels) label += (label.empty() ? "" : ", ") + v;
    }
    script << (i ? ", " : "") << Gnuplot::quote(label) << " " << i;
  }
  script << ")\nplot ";
  for (std::size_t i = 0; i < plots.size(); ++i) script << (i ? ", \\\n     " : "") << plots[i];
  script << "\nunset logscale y\nunset xtics\nset xtics\n";
}

/// Bottom panel: the choice's steps per worker from its Chrome trace, one colour per step kind.
void gantt_panel(const GroupsRecommendation& r, const std::string& trace_file, const Gnuplot& g,
                 std::ostringstream& script) {
  const JsonView trace = load_json_file(trace_file);
  const JsonView events = trace.at("traceEvents");
  std::map<int64_t, int64_t> worker_of_pid;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const nlohmann::json& e = events.at(i).raw();
    if (e.value("name", "") == "process_name" && e.value("ph", "") == "M") {
      const std::string track = e["args"].value("name", "");
      if (track.rfind("worker-", 0) == 0)
        worker_of_pid[e["pid"].get<int64_t>()] = std::stoll(track.substr(7));
    }
  }
  std::map<std::string, std::ostringstream> by_kind;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const nlohmann::json& e = events.at(i).raw();
    if (e.value("ph", "") != "X") continue;
    auto w = worker_of_pid.find(e["pid"].get<int64_t>());
    if (w == worker_of_pid.end()) continue;
    const double t0 = e["ts"].get<double>() * 1e-6, d = e["dur"].get<double>() * 1e-6;
    const std::string kind = e.contains("args") ? e["args"].value("step", "step") : "step";
    by_kind[kind] << t0 + d / 2 << " " << w->second << " " << d / 2 << " 0.4\n";
  }
  const std::string data = g.data_file("gantt.dat");
  std::ofstream out(data);
  std::vector<std::string> plots;
  int block = 0;
  for (const auto& [kind, rows] : by_kind) {
    out << rows.str() << "\n\n";
    plots.push_back(Gnuplot::quote(data) + " index " + std::to_string(block++) +
                    " using 1:2:3:4 with boxxyerror fs solid 0.8 border lc rgb 'white' title '" +
                    kind + "'");
  }
  const auto& p = r.points.front();
  script << "set title " << Gnuplot::quote("choice at point 0: " + p.choice.choice.label())
         << "\nset xlabel 'time [s]'\nset ylabel 'worker'\nset yrange [-0.6:" << p.workers - 0.4
         << "]\nset ytics 1\nset xrange [0:*]\n";
  if (plots.empty()) {
    script << "plot 0 notitle\n";
    return;
  }
  script << "plot ";
  for (std::size_t i = 0; i < plots.size(); ++i) script << (i ? ", \\\n     " : "") << plots[i];
  script << "\n";
}

}  // namespace

void write_groups_plot(const GroupsRecommendation& r, const std::string& trace_file,
                       const std::string& png) {
  Gnuplot g("--plot");
  std::ostringstream script;
  script << g.header(1100, 900, png) << "set multiplot layout 2,1\n";
  makespan_panel(r, g, script);
  gantt_panel(r, trace_file, g, script);
  script << "unset multiplot\n";
  g.run(script.str());
}

}  // namespace tiersplit::groups
