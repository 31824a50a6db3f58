// units.hpp: strict parsing and printing of quantities as people write them ("1Gbps", "50us",
// "16GiB").
#pragma once

#include <string>

namespace tiersplit {

/// What a quantity measures; each parses to an SI base value.
enum class Dimension {
  kBytes,      ///< to bytes:            "16GiB", "100MB", "512KiB", "42B"
  kDuration,   ///< to seconds:          "50us", "1.5ms", "2s", "3min", "1h"
  kBandwidth,  ///< to bytes per second: "1Gbps", "100Mbit", "125MBps", "1GiBps"
  kFlopRate,   ///< to FLOP per second:  "8.1TFLOPS", "65TFLOP/s", "500GFLOPS"
};

/// Human name of a dimension ("bandwidth") for messages.
const char* dimension_name(Dimension d);

/// Parses `text` as a quantity of dimension `d`. A number without a unit, an unknown unit or
/// trailing garbage throws tiersplit::Error naming the text and listing valid examples.
double parse_quantity(const std::string& text, Dimension d);

/// Inverse helpers for readable output ("1.50 GiB", "12.3 ms", "1.00 Gbps", "8.10 TFLOP/s").
std::string format_bytes(double bytes);
std::string format_duration(double seconds);
std::string format_bandwidth(double bytes_per_second);
std::string format_flop_rate(double flop_per_second);

}  // namespace tiersplit
