// fuzz_safetensors.cpp: the safetensors codec the pushdown server and trainer exchange tensors
// with (header JSON, dtypes, offsets).
#include "fuzz/fuzz_common.hpp"
#include "real_exec/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  using namespace tiersplit;
  fuzz::expect_clean(
      [&] { (void)real_exec::decode_safetensors(fuzz::text_of(data, size), "fuzz input"); });
  return 0;
}
