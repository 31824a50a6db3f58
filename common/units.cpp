// units.cpp: strict quantity parsing; SI prefixes are decimal, Ki/Mi/Gi/Ti binary; b = bit, B =
// byte.
#include "common/units.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <regex>

#include "common/error.hpp"

namespace tiersplit {
namespace {

const std::map<std::string, double>& unit_table(Dimension d) {
  static const std::map<std::string, double> bytes = [] {
    std::map<std::string, double> m{{"B", 1.0}};
    const char* dec[] = {"k", "K", "M", "G", "T"};
    double dv[] = {1e3, 1e3, 1e6, 1e9, 1e12};
    const char* bin[] = {"Ki", "Mi", "Gi", "Ti"};
    double bv[] = {1024.0, 1048576.0, 1073741824.0, 1099511627776.0};
    for (int i = 0; i < 5; ++i) m[std::string(dec[i]) + "B"] = dv[i];
    for (int i = 0; i < 4; ++i) m[std::string(bin[i]) + "B"] = bv[i];
    return m;
  }();
  static const std::map<std::string, double> duration{{"ns", 1e-9}, {"us", 1e-6}, {"µs", 1e-6},
                                                      {"ms", 1e-3}, {"s", 1.0},   {"min", 60.0},
                                                      {"h", 3600.0}};
  static const std::map<std::string, double> bandwidth = [] {
    std::map<std::string, double> m;
    const char* pre[] = {"", "k", "K", "M", "G", "T"};
    double pv[] = {1.0, 1e3, 1e3, 1e6, 1e9, 1e12};
    for (int i = 0; i < 6; ++i) {
      std::string p = pre[i];
      m[p + "bps"] = pv[i] / 8.0;
      m[p + "bit"] = pv[i] / 8.0;  // tc style: "100Mbit"
      m[p + "bit/s"] = pv[i] / 8.0;
      m[p + "Bps"] = pv[i];
      m[p + "B/s"] = pv[i];
    }
    const char* bin[] = {"Ki", "Mi", "Gi", "Ti"};
    double bv[] = {1024.0, 1048576.0, 1073741824.0, 1099511627776.0};
    for (int i = 0; i < 4; ++i) {
      m[std::string(bin[i]) + "Bps"] = bv[i];
      m[std::string(bin[i]) + "B/s"] = bv[i];
    }
    return m;
  }();
  static const std::map<std::string, double> flops = [] {
    std::map<std::string, double> m;
    const char* pre[] = {"", "k", "M", "G", "T", "P"};
    double pv[] = {1.0, 1e3, 1e6, 1e9, 1e12, 1e15};
    for (int i = 0; i < 6; ++i) {
      std::string p = pre[i];
      m[p + "FLOPS"] = pv[i];
      m[p + "FLOP/s"] = pv[i];
    }
    return m;
  }();
  switch (d) {
    case Dimension::kBytes:
      return bytes;
    case Dimension::kDuration:
      return duration;
    case Dimension::kBandwidth:
      return bandwidth;
    case Dimension::kFlopRate:
      return flops;
  }
  return bytes;
}

const char* examples(Dimension d) {
  switch (d) {
    case Dimension::kBytes:
      return "16GiB, 100MB, 512KiB, 42B";
    case Dimension::kDuration:
      return "50us, 1.5ms, 2s, 3min";
    case Dimension::kBandwidth:
      return "1Gbps, 100Mbit, 125MBps, 1GiBps";
    case Dimension::kFlopRate:
      return "8.1TFLOPS, 500GFLOP/s";
  }
  return "";
}

std::string format_scaled(double v, const char* const* names, const double* scales, int n,
                          int digits = 3) {
  int i = n - 1;
  while (i > 0 && std::fabs(v) < scales[i]) --i;
  char buf[64];
  const double x = v / scales[i];
  if (std::fabs(x) >= std::pow(10.0, digits))  // beyond the largest unit: whole numbers, no 1e+03
    std::snprintf(buf, sizeof buf, "%.0f %s", x, names[i]);
  else
    std::snprintf(buf, sizeof buf, "%.*g %s", digits, x, names[i]);
  return buf;
}

}  // namespace

const char* dimension_name(Dimension d) {
  switch (d) {
    case Dimension::kBytes:
      return "size";
    case Dimension::kDuration:
      return "duration";
    case Dimension::kBandwidth:
      return "bandwidth";
    case Dimension::kFlopRate:
      return "FLOP rate";
  }
  return "quantity";
}

double parse_quantity(const std::string& text, Dimension d) {
  static const std::regex re(R"(^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-zµ/]*)\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) {
    fail("'", text, "' is not a ", dimension_name(d), " (expected e.g. ", examples(d), ")");
  }
  const double value = std::strtod(m[1].str().c_str(), nullptr);
  if (!std::isfinite(value)) fail("'", text, "' is out of range for a number");
  std::string unit = m[2].str();
  if (unit.empty()) {
    fail("'", text, "' has no unit; write a ", dimension_name(d), " such as ", examples(d));
  }
  const auto& table = unit_table(d);
  auto it = table.find(unit);
  if (it == table.end()) {
    fail("'", text, "': unknown ", dimension_name(d), " unit '", unit, "' (expected e.g. ",
         examples(d), ")");
  }
  const double scaled = value * it->second;
  if (!std::isfinite(scaled)) fail("'", text, "' is out of range for a ", dimension_name(d));
  return scaled;
}

std::string format_bytes(double bytes) {
  static const char* n[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  static const double s[] = {1.0, 1024.0, 1048576.0, 1073741824.0, 1099511627776.0};
  return format_scaled(bytes, n, s, 5);
}

std::string format_duration(double seconds) {
  static const char* n[] = {"ns", "us", "ms", "s"};
  static const double s[] = {1e-9, 1e-6, 1e-3, 1.0};
  return format_scaled(seconds, n, s, 4);
}

std::string format_bandwidth(double bytes_per_second) {
  static const char* n[] = {"bps", "kbps", "Mbps", "Gbps", "Tbps"};
  static const double s[] = {1.0, 1e3, 1e6, 1e9, 1e12};
  return format_scaled(bytes_per_second * 8.0, n, s, 5);
}

std::string format_flop_rate(double flop_per_second) {
  static const char* n[] = {"FLOP/s", "kFLOP/s", "MFLOP/s", "GFLOP/s", "TFLOP/s", "PFLOP/s"};
  static const double s[] = {1.0, 1e3, 1e6, 1e9, 1e12, 1e15};
  return format_scaled(flop_per_second, n, s, 6);
}

}  // namespace tiersplit
