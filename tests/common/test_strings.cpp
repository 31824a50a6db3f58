// test_strings.cpp: strict number parsing names the value and what it is for.
#include <doctest/doctest.h>

#include "common/error.hpp"
#include "common/strings.hpp"

TEST_CASE("a number >= 0 is parsed whole, or refused naming the text and what it is for") {
  CHECK(tiersplit::parse_non_negative("2.5e7", "pace") == doctest::Approx(2.5e7));
  CHECK(tiersplit::parse_non_negative("0", "pace") == 0.0);
  for (const char* bad : {"", "abc", "12x", " 5", "-1", "inf", "nan", "1e999"}) {
    CAPTURE(bad);
    const std::string named = std::string("TIERSPLIT_PACE='") + bad + "'";
    CHECK_THROWS_WITH_AS(tiersplit::parse_non_negative(bad, "TIERSPLIT_PACE"),
                         doctest::Contains(named.c_str()), tiersplit::Error);
  }
}
