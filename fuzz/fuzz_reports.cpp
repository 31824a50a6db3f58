// fuzz_reports.cpp: the files tiersplit reads back — recommendations and results of `sweep`
// (tenants and groups), as `validate` and `merge` read them.
#include <unistd.h>

#include <fstream>

#include "common/json_reader.hpp"
#include "fuzz/fuzz_common.hpp"
#include "groups/results.hpp"
#include "optimizer/recommendation.hpp"
#include "sim/results_document.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  using namespace tiersplit;
  const std::string text = fuzz::text_of(data, size);
  fuzz::expect_clean([&] {
    (void)optimizer::recommendation_from_json(parse_json_text(text, "fuzz.json"));
  });
  // The results readers take a file: one per fuzzing process.
  static const std::string file = "/tmp/tiersplit-fuzz-reports-" + std::to_string(getpid());
  std::ofstream(file, std::ios::binary).write(text.data(), static_cast<std::streamsize>(size));
  fuzz::expect_clean([&] { (void)sim::read_results_document(file); });
  fuzz::expect_clean([&] { (void)groups::read_groups_results(file); });
  return 0;
}
