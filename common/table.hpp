// table.hpp: aligned plain-text tables for terminal output.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace tiersplit {

/// Collects rows, then prints them with aligned columns (numbers right-aligned).
///
///   TextTable t({"block", "output", "MFLOP"});
///   t.add({"stem", "64x112x112", "236.0"});
///   t.print(std::cout);
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
  TextTable& add(std::vector<std::string> row);
  void print(std::ostream& os) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

/// printf-style formatting of one number ("%.2f").
std::string fmt(const char* format, double value);

}  // namespace tiersplit
