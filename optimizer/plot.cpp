// plot.cpp: gnuplot script and data for the recommendation plot.
#include "optimizer/plot.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/error.hpp"

namespace tiersplit::optimizer {

namespace {

int run_shell(const std::string& cmd) {
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string gp_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string plot_file_for_point(const std::string& png, std::size_t point) {
  if (point == 0) return png;
  std::filesystem::path p(png);
  std::string stem = p.stem().string();
  std::string ext = p.has_extension() ? p.extension().string() : std::string(".png");
  return (p.parent_path() / (stem + "-p" + std::to_string(point) + ext)).string();
}

void write_plot(const Recommendation& r, std::size_t point, const std::string& png) {
  if (run_shell("command -v gnuplot > /dev/null 2>&1") != 0) {
    fail("--plot needs gnuplot, which is not installed (Debian: apt-get install gnuplot-nox)");
  }
  const PointRecommendation& p = r.points.at(point);
  std::error_code ec;
  std::filesystem::path dir =
      std::filesystem::temp_directory_path(ec) / ("tiersplit-plot-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir, ec);
  if (ec) fail("--plot: cannot create a temporary directory ", dir.string(), ": ", ec.message());
  std::string terminal = run_shell("gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo") == 0
                             ? "pngcairo size 1000,"
                             : "png size 1000,";
  const std::size_t T = p.tenants.size();
  const int height = static_cast<int>(380 * std::max<std::size_t>(1, T));
  std::ostringstream script;
  script << "set terminal " << terminal << height
         << " noenhanced\n";  // names keep their underscores
  script << "set output " << gp_string(png) << "\n";
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
    std::string data = (dir / ("t" + std::to_string(t) + ".dat")).string();
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
      plots.push_back(gp_string(data) + " index " + std::to_string(block++) +
                      " using 1:2 with linespoints title 'b = " + std::to_string(b) + "'");
    }
    if (by_batch.empty() && zero) {
      out << 0 << " " << zero->iteration_s * 1e3 << "\n\n\n";
      plots.push_back(gp_string(data) + " index 0 using 1:2 with points title 'no pushdown'");
      ++block;
    }
    out << tr.split << " " << tr.predicted.iteration_s * 1e3 << "\n";
    out.close();
    plots.push_back(
        gp_string(data) + " index " + std::to_string(block) +
        " using 1:2 with points pt 7 ps 2.5 lc rgb 'red' title 'choice (simulated): s = " +
        std::to_string(tr.split) + ", b = " + std::to_string(tr.storage_batch) + "'");
    std::string title = r.scenario + " - " + tr.name + " (" + tr.model + ")";
    for (const auto& [k, v] : p.labels) title += ", " + k + " " + v;
    script << "set title " << gp_string(title) << "\n";
    script << "set xrange [-0.5:" << tr.freeze_index + 0.5 << "]\n";
    script << "set datafile missing 'NaN'\n";
    script << "plot ";
    for (std::size_t i = 0; i < plots.size(); ++i) script << (i ? ", \\\n     " : "") << plots[i];
    script << "\n";
  }
  script << "unset multiplot\n";
  std::string gp = (dir / "plot.gp").string();
  {
    std::ofstream out(gp);
    out << script.str();
  }
  std::string log = (dir / "gnuplot.log").string();
  int rc = run_shell("gnuplot " + quote(gp) + " > " + quote(log) + " 2>&1");
  std::string message;
  if (rc != 0) {
    std::ifstream in(log);
    std::getline(in, message, '\0');
  }
  std::filesystem::remove_all(dir, ec);
  if (rc != 0) fail("--plot ", png, ": gnuplot failed: ", message);
}

}  // namespace tiersplit::optimizer
