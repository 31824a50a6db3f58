// set_aside.hpp: where validate keeps the runs it measured again (an unsettled machine).
#pragma once

#include <cstdint>
#include <string>

namespace tiersplit::real_exec {

/// Where the `k`-th set-aside measurement (k >= 1) of the run kept at `path` goes:
/// "<stem>.unsettled-<k>.json" for a report file "<stem>.json", "<path>.unsettled-<k>" for a
/// run folder.
std::string set_aside_path(const std::string& path, int64_t k);

/// How many measurements of the run at `path` are already set aside (1, 2, ... while they exist).
int64_t set_aside_count(const std::string& path);

}  // namespace tiersplit::real_exec
