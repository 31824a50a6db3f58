// fuzz_common.hpp: what every fuzz target shares — expected errors (tiersplit::Error, the one-line
// user errors) are fine, anything else escaping a parser is a bug and aborts so libFuzzer keeps
// the input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "common/error.hpp"

namespace tiersplit::fuzz {

/// Runs `parse`; a tiersplit::Error is an accepted refusal, any other exception aborts.
template <typename F>
void expect_clean(F&& parse) {
  try {
    parse();
  } catch (const Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: not a tiersplit::Error: %s\n", e.what());
    std::abort();
  }
}

inline std::string text_of(const unsigned char* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace tiersplit::fuzz
