// csv.hpp: CSV cells as every results file writes them.
#pragma once

#include <string>

namespace tiersplit {

/// `s` as one CSV cell: quoted (quotes doubled) when it holds a comma, quote or newline.
std::string csv_escape(const std::string& s);

/// A number with 9 significant digits, as the JSON files round them.
std::string csv_number(double v);

}  // namespace tiersplit
