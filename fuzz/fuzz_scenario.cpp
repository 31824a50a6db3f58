// fuzz_scenario.cpp: scenario files, tenants and groups workloads (parsed as `simulate` does;
// profiles resolve against the shipped scenarios/ folder).
#include "common/json_reader.hpp"
#include "fuzz/fuzz_common.hpp"
#include "groups/scenario.hpp"
#include "sim/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  using namespace tiersplit;
  fuzz::expect_clean([&] {
    const JsonView root = parse_json_text(fuzz::text_of(data, size), "fuzz.json");
    const std::string dir = TIERSPLIT_SOURCE_DIR "/scenarios";
    const bool groups = root.is_object() && root.has("workload") &&
                        root.at("workload").is_object() && root.at("workload").has("groups");
    if (groups)
      (void)groups::expand_groups_sweep(groups::groups_scenario_from_json(root, dir));
    else
      (void)sim::scenario_from_json(root, dir);
  });
  return 0;
}
