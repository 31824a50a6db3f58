// fuzz_profile.cpp: profile files and device files.
#include "common/json_reader.hpp"
#include "fuzz/fuzz_common.hpp"
#include "profiles/device.hpp"
#include "profiles/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  using namespace tiersplit;
  const std::string text = fuzz::text_of(data, size);
  fuzz::expect_clean([&] {
    const JsonView root = parse_json_text(text, "fuzz.json");
    const bool device = root.is_object() && root.has("format") &&
                        root.raw()["format"] == "tiersplit-device";
    if (device) {
      (void)profiles::device_from_json(root);
    } else {
      const profiles::Profile p = profiles::profile_from_json(root);
      for (const auto& b : p.blocks) (void)b.forward_time(3);  // the time model on what was read
    }
  });
  return 0;
}
