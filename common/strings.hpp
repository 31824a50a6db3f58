// strings.hpp: small string helpers (closest-name suggestions, list parsing, joining).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tiersplit {

/// Levenshtein distance between two strings.
std::size_t edit_distance(const std::string& a, const std::string& b);

/// The candidate closest to `word`, or "" when none is reasonably close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

/// ", did you mean 'x'?" or "" — appended to "unknown ..." messages.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

/// Parses "1,2,4,8" into positive integers; `what` names the option in error messages.
std::vector<int64_t> parse_int_list(const std::string& text, const std::string& what);

/// Parses a whole number written in decimal digits only, in low..high; otherwise fails with
/// "WHAT='text' is not a whole number" or "WHAT=n is outside low..high".
int64_t parse_whole_number(const std::string& text, int64_t low, int64_t high,
                           const std::string& what);

/// Parses a finite number >= 0 ("2.5e7"), the whole text; otherwise fails with
/// "WHAT='text' is not a number >= 0".
double parse_non_negative(const std::string& text, const std::string& what);

std::string join(const std::vector<std::string>& parts, const std::string& sep);

}  // namespace tiersplit
