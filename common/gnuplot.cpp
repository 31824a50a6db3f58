// gnuplot.cpp: scratch folder, terminal choice and error reporting for gnuplot runs.
#include "common/gnuplot.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "common/subprocess.hpp"

namespace tiersplit {

namespace {

int shell(const std::string& line) {
  return run_process({"/bin/sh", "-c", line});
}

}  // namespace

Gnuplot::Gnuplot(std::string what) : what_(std::move(what)) {
  if (shell("command -v gnuplot > /dev/null 2>&1") != 0) {
    fail(what_, " needs gnuplot, which is not installed (Debian: apt-get install gnuplot-nox)");
  }
  static std::atomic<int> counter{0};
  std::error_code ec;
  std::filesystem::path dir =
      std::filesystem::temp_directory_path(ec) /
      ("tiersplit-plot-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(what_, ": cannot create a temporary directory ", dir.string(), ": ", ec.message());
  dir_ = dir.string();
  cairo_ = shell("gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo") == 0;
}

Gnuplot::~Gnuplot() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string Gnuplot::data_file(const std::string& name) const {
  return (std::filesystem::path(dir_) / name).string();
}

std::string Gnuplot::header(int width, int height, const std::string& png) const {
  std::ostringstream s;
  s << "set terminal " << (cairo_ ? "pngcairo" : "png") << " size " << width << "," << height
    << " noenhanced\n"  // names keep their underscores
    << "set output " << quote(png) << "\n";
  return s.str();
}

void Gnuplot::run(const std::string& script) const {
  const std::string gp = data_file("plot.gp");
  const std::string log = data_file("gnuplot.log");
  {
    std::ofstream out(gp);
    out << script;
  }
  int rc = run_process({"gnuplot", gp}, log);
  if (rc != 0) {
    std::ifstream in(log);
    std::string message;
    std::getline(in, message, '\0');
    fail(what_, ": gnuplot failed: ", message);
  }
}

std::string Gnuplot::quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace tiersplit
