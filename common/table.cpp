// table.cpp: aligned plain-text tables.
#include "common/table.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace tiersplit {

TextTable& TextTable::add(std::vector<std::string> row) {
  row.resize(header_.size());
  rows_.push_back(std::move(row));
  return *this;
}

namespace {
bool numeric(const std::string& s) {
  return !s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' ||
                        s[0] == '+' || s[0] == '.');
}
}  // namespace

void TextTable::print(std::ostream& os) const {
  std::vector<std::size_t> width(header_.size());
  for (std::size_t c = 0; c < header_.size(); ++c) {
    width[c] = header_[c].size();
    for (const auto& r : rows_) width[c] = std::max(width[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& r, bool head) {
    for (std::size_t c = 0; c < r.size(); ++c) {
      std::string pad(width[c] - r[c].size(), ' ');
      bool right = !head && numeric(r[c]);
      os << (c ? "  " : "") << (right ? pad + r[c] : r[c] + (c + 1 < r.size() ? pad : ""));
    }
    os << "\n";
  };
  line(header_, true);
  for (const auto& r : rows_) line(r, false);
}

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

}  // namespace tiersplit
