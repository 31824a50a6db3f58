// fuzz_validation.cpp: the real-run files tiersplit reads back — a calibration.json that validate
// reuses, and validation reports that validation-table summarises.
#include <unistd.h>

#include <fstream>

#include "fuzz/fuzz_common.hpp"
#include "real_exec/calibration_file.hpp"
#include "real_exec/validation_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  using namespace tiersplit;
  // Both readers take a file: one per fuzzing process.
  static const std::string file = "/tmp/tiersplit-fuzz-validation-" + std::to_string(getpid());
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  fuzz::expect_clean([&] { (void)real_exec::read_calibration(file); });
  fuzz::expect_clean([&] { (void)real_exec::validation_table({file}); });
  return 0;
}
