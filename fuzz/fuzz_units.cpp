// fuzz_units.cpp: quantities with units ("1Gbps", "50us", "16GiB", "8.1TFLOPS").
#include "common/units.hpp"
#include "fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string text = tiersplit::fuzz::text_of(data, size);
  for (auto d : {tiersplit::Dimension::kBytes, tiersplit::Dimension::kDuration,
                 tiersplit::Dimension::kBandwidth, tiersplit::Dimension::kFlopRate}) {
    tiersplit::fuzz::expect_clean([&] { (void)tiersplit::parse_quantity(text, d); });
  }
  return 0;
}
