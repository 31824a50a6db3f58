// gnuplot.hpp: draw a PNG with Debian's gnuplot from a script and data files in a scratch folder.
#pragma once

#include <string>

namespace tiersplit {

/// One plot job: `data_file()` names scratch files to fill, `run()` renders the script.
///   Gnuplot g("--plot");                 // fails at once when gnuplot is not installed
///   std::ofstream(g.data_file("a.dat")) << "1 2\n";
///   g.run(g.header(1000, 400, "out.png") + "plot " + Gnuplot::quote(g.data_file("a.dat")) + "\n");
class Gnuplot {
 public:
  /// `what` names the option asking for the plot, for messages ("--plot").
  explicit Gnuplot(std::string what);
  ~Gnuplot();
  Gnuplot(const Gnuplot&) = delete;
  Gnuplot& operator=(const Gnuplot&) = delete;

  /// A path in the scratch folder.
  std::string data_file(const std::string& name) const;
  /// "set terminal pngcairo|png size W,H noenhanced" and "set output ..." lines.
  std::string header(int width, int height, const std::string& png) const;
  /// Runs gnuplot on `script`; throws tiersplit::Error with gnuplot's message when it fails.
  void run(const std::string& script) const;
  /// A gnuplot string literal.
  static std::string quote(const std::string& s);

 private:
  std::string what_;
  std::string dir_;
  bool cairo_ = false;
};

}  // namespace tiersplit
