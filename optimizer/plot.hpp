// plot.hpp: `recommend --plot out.png`: predicted iteration time against split, one line per
// storage batch, choice marked.
#pragma once

#include <string>

#include "optimizer/recommendation.hpp"

namespace tiersplit::optimizer {

/// Draws point `point` of `r` (one panel per tenant) into `png` with gnuplot (pngcairo, else png).
/// Throws tiersplit::Error when gnuplot is missing or fails.
void write_plot(const Recommendation& r, std::size_t point, const std::string& png);

/// The PNG file for point i of a plot request: `png` itself for point 0, else "name-p<i>.png".
std::string plot_file_for_point(const std::string& png, std::size_t point);

}  // namespace tiersplit::optimizer
