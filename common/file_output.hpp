// file_output.hpp: writing an output file whole or not at all (a temporary beside it, renamed
// into place), so that a failed write never leaves a half file or loses the earlier one.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace tiersplit {

/// Writes `file` through `write`: into FILE.tmp, then renamed over FILE. Fails naming the file
/// (cannot write, write failed, cannot replace); the temporary is removed and FILE kept as it was.
void write_file_whole(const std::string& file, const std::function<void(std::ostream&)>& write);

}  // namespace tiersplit
