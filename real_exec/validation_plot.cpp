// validation_plot.cpp: `validate --plot`: predicted and measured iteration time per split.
#include <fstream>
#include <sstream>

#include "common/gnuplot.hpp"
#include "real_exec/validation.hpp"

namespace tiersplit::real_exec {

void write_validation_plot(const nlohmann::json& report, const std::string& png) {
  Gnuplot g("--plot");
  const auto& points = report.at("points");
  const std::size_t P = points.size();
  const std::size_t T = P ? points[0].at("tenants").size() : 0;
  std::ostringstream script;
  script << g.header(static_cast<int>(560 * std::max<std::size_t>(1, P)),
                     static_cast<int>(420 * std::max<std::size_t>(1, T)), png);
  script << "set multiplot layout " << T << "," << P << "\n"
         << "set grid\nset key top right font ',9'\nset logscale y\n"
         << "set xlabel 'split s (blocks on the storage side)'\n"
         << "set ylabel 'iteration time [ms]'\n";
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t p = 0; p < P; ++p) {
      const auto& pt = points[p];
      const auto& tn = pt.at("tenants").at(t);
      const std::string data =
          g.data_file("p" + std::to_string(p) + "t" + std::to_string(t) + ".dat");
      std::ofstream out(data);
      // block 0: predicted curve (best storage batch per split)
      for (const auto& c : tn.at("predicted_curve"))
        out << c.at("split") << " " << 1e3 * c.at("iteration_s").get<double>() << "\n";
      out << "\n\n";
      // block 1: measured configurations: split, mean, min, max, predicted
      for (const auto& c : tn.at("configurations")) {
        const auto& m = c.at("measured");
        out << c.at("split") << " " << 1e3 * m.at("iteration_s").get<double>() << " "
            << 1e3 * m.at("min_s").get<double>() << " " << 1e3 * m.at("max_s").get<double>() << " "
            << 1e3 * c.at("predicted").at("iteration_s").get<double>() << "\n";
      }
      out << "\n\n";
      // block 2: the choice, measured
      const auto& s = tn.at("summary");
      out << s.at("choice").at("split") << " "
          << 1e3 * s.at("choice").at("measured_iteration_s").get<double>() << "\n";
      out.close();
      std::string title = tn.at("name").get<std::string>() + " (" +
                          tn.at("model").get<std::string>() + "), " +
                          pt.at("bandwidth").get<std::string>();
      script << "set title " << Gnuplot::quote(title) << "\n"
             << "set xrange [-0.5:" << tn.at("freeze_index").get<int64_t>() + 0.5 << "]\n"
             << "plot " << Gnuplot::quote(data)
             << " index 0 using 1:2 with lines lc rgb '#1f77b4' title 'predicted (best b per "
                "split)', \\\n     "
             << Gnuplot::quote(data)
             << " index 1 using 1:5 with points pt 6 ps 1.4 lc rgb '#1f77b4' title 'predicted, run "
                "configs', \\\n     "
             << Gnuplot::quote(data)
             << " index 1 using 1:2:3:4 with yerrorbars pt 7 ps 0.9 lc rgb '#2ca02c' title "
                "'measured (mean, min..max)', \\\n     "
             << Gnuplot::quote(data)
             << " index 2 using 1:2 with points pt 4 ps 3 lw 2 lc rgb 'red' title 'choice'\n";
    }
  }
  script << "unset multiplot\n";
  g.run(script.str());
}

}  // namespace tiersplit::real_exec
