// file_output.cpp: writing an output file whole or not at all.
#include "common/file_output.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "common/error.hpp"

namespace tiersplit {

void write_file_whole(const std::string& file, const std::function<void(std::ostream&)>& write) {
  const std::string tmp = file + ".tmp";
  bool ok = false;
  int error = 0;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(file, ": cannot write file");
    write(out);
    out.flush();
    ok = static_cast<bool>(out);
    error = errno;
  }
  if (!ok) {
    std::remove(tmp.c_str());
    fail(file, ": write failed (", error ? std::strerror(error) : "stream error",
         "); an earlier file of that name is left as it was");
  }
  if (std::rename(tmp.c_str(), file.c_str()) != 0) {
    std::remove(tmp.c_str());
    fail(file, ": cannot replace file");
  }
}

}  // namespace tiersplit
