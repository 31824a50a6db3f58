// test_units.cpp: strict parsing of quantities with units.
#include <doctest/doctest.h>

#include "common/error.hpp"
#include "common/units.hpp"

using tiersplit::Dimension;
using tiersplit::parse_quantity;

TEST_CASE("bandwidths in bits and bytes, decimal and binary") {
  CHECK(parse_quantity("1Gbps", Dimension::kBandwidth) == doctest::Approx(125e6));
  CHECK(parse_quantity("100Mbit", Dimension::kBandwidth) == doctest::Approx(12.5e6));
  CHECK(parse_quantity("125MBps", Dimension::kBandwidth) == doctest::Approx(125e6));
  CHECK(parse_quantity("1GiBps", Dimension::kBandwidth) == doctest::Approx(1073741824.0));
  CHECK(parse_quantity(" 2.5 Gbps ", Dimension::kBandwidth) == doctest::Approx(312.5e6));
}

TEST_CASE("durations, sizes and FLOP rates") {
  CHECK(parse_quantity("50us", Dimension::kDuration) == doctest::Approx(50e-6));
  CHECK(parse_quantity("1.5ms", Dimension::kDuration) == doctest::Approx(1.5e-3));
  CHECK(parse_quantity("2min", Dimension::kDuration) == doctest::Approx(120.0));
  CHECK(parse_quantity("16GiB", Dimension::kBytes) == doctest::Approx(17179869184.0));
  CHECK(parse_quantity("100MB", Dimension::kBytes) == doctest::Approx(100e6));
  CHECK(parse_quantity("1e3B", Dimension::kBytes) == doctest::Approx(1000.0));
  CHECK(parse_quantity("8.1TFLOPS", Dimension::kFlopRate) == doctest::Approx(8.1e12));
}

TEST_CASE("bad quantities name the text and the expected form") {
  auto message = [](const std::string& text, Dimension d) {
    try {
      parse_quantity(text, d);
    } catch (const tiersplit::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message("100", Dimension::kBandwidth).find("has no unit") != std::string::npos);
  CHECK(message("1 Gbs", Dimension::kBandwidth).find("unknown bandwidth unit 'Gbs'") !=
        std::string::npos);
  CHECK(message("fast", Dimension::kBandwidth).find("'fast' is not a bandwidth") !=
        std::string::npos);
  CHECK(message("5s", Dimension::kBytes).find("unknown size unit 's'") != std::string::npos);
  CHECK(message("-1ms", Dimension::kDuration).find("'-1ms'") != std::string::npos);
  CHECK(message("1Gbps", Dimension::kDuration).find("duration") != std::string::npos);
  CHECK(message("1e400Gbps", Dimension::kBandwidth).find("'1e400Gbps' is out of range") !=
        std::string::npos);
  CHECK(message("1e307TiB", Dimension::kBytes).find("out of range for a size") !=
        std::string::npos);
}

TEST_CASE("formatting picks a readable unit") {
  CHECK(tiersplit::format_bytes(1536.0) == "1.5 KiB");
  CHECK(tiersplit::format_duration(0.0123) == "12.3 ms");
  CHECK(tiersplit::format_duration(3094.6) == "3095 s");  // no 3.09e+03
  CHECK(tiersplit::format_bandwidth(125e6) == "1 Gbps");
}
