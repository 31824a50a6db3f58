// plot.cpp: gnuplot script and data for the recommendation plot.
#include "optimizer/plot.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/error.hpp"
#include "common/gnuplot.hpp"

namespace tiersplit::optimizer {

using tiersplit::Gnuplot;

std::string plot_file_for_point(const std::string& png, std::size_t point) {
  if (point == 0) return png;
  std::filesystem::path p(png);
  std::string stem = p.stem().string();
  std::string ext = p.has_extension() ? p.extension().string() : std::string(".png");
  return (p.parent_path() / (stem + "-p" + std::to_string(point) + ext)).string();
}

void write_plot(const Recommendation& r, std::size_t point, const std::string& png) {
  Gnuplot g("--plot");
  const PointRecommendation& p = r.points.at(point);
  const std::size_t T = p.tenants.size();
  const int height = static_cast<int>(380 * std::max<std::size_t>(1, T));
  std::ostringstream script;
  script << g.header(1000, height, png);
  script << "set multiplot layout " << T << ",1\n";
  script
      << "set grid\nset key outside right top\nset xlabel 'split s (blocks on the storage side)'\n"
      << "set ylabel 'predicted iteration time [ms]'\n";
  for (std::size_t t = 0; t < T; ++t) {
    const TenantRecommendation& tr = p.tenants[t];
    // One data block per storage batch (no pushdown, s = 0, is its own point at the smallest
    // batch).
    std::map<int64_t, std::vector<const CurvePoint*>> by_batch;
    const CurvePoint* zero = nullptr;
    for (const auto& c : tr.curve) {
      if (c.split == 0)
        zero = &c;
      else
        by_batch[c.storage_batch].push_back(&c);
    }
    std::string data = g.data_file("t" + std::to_string(t) + ".dat");
    std::ofstream out(data);
    std::vector<std::string> plots;
    int block = 0;
    for (const auto& [b, pts] : by_batch) {
      if (zero) out << 0 << " " << zero->iteration_s * 1e3 << "\n";
      for (const CurvePoint* c : pts) {
        if (c->fits)
          out << c->split << " " << c->iteration_s * 1e3 << "\n";
        else
          out << c->split << " NaN\n";
      }
      out << "\n\n";
      plots.push_back(Gnuplot::quote(data) + " index " + std::to_string(block++) +
                      " using 1:2 with linespoints title 'b = " + std::to_string(b) + "'");
    }
    if (by_batch.empty() && zero) {
      out << 0 << " " << zero->iteration_s * 1e3 << "\n\n\n";
      plots.push_back(Gnuplot::quote(data) + " index 0 using 1:2 with points title 'no pushdown'");
      ++block;
    }
    out << tr.split << " " << tr.predicted.iteration_s * 1e3 << "\n";
    out.close();
    plots.push_back(
        Gnuplot::quote(data) + " index " + std::to_string(block) +
        " using 1:2 with points pt 7 ps 2.5 lc rgb 'red' title 'choice (simulated): s = " +
        std::to_string(tr.split) + ", b = " + std::to_string(tr.storage_batch) + "'");
    std::string title = r.scenario + " - " + tr.name + " (" + tr.model + ")";
    for (const auto& [k, v] : p.labels) title += ", " + k + " " + v;
    script << "set title " << Gnuplot::quote(title) << "\n";
    script << "set xrange [-0.5:" << tr.freeze_index + 0.5 << "]\n";
    script << "set datafile missing 'NaN'\n";
    script << "plot ";
    for (std::size_t i = 0; i < plots.size(); ++i) script << (i ? ", \\\n     " : "") << plots[i];
    script << "\n";
  }
  script << "unset multiplot\n";
  g.run(script.str());
}

}  // namespace tiersplit::optimizer
