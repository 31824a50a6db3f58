// build_id.hpp: which build of tiersplit wrote a file: its version and the source commit.
#pragma once

#include <string>

namespace tiersplit {

/// "0.1.0+<commit>" (with "-dirty" when the work tree had changes at build time), or
/// "0.1.0+unknown" outside a git checkout. Results carry it, so that shards run by different
/// builds are not merged into one result.
const std::string& build_id();

}  // namespace tiersplit
