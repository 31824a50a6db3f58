// set_aside.cpp: where validate keeps the runs it measured again (see set_aside.hpp).
#include "real_exec/set_aside.hpp"

#include <filesystem>

namespace tiersplit::real_exec {

std::string set_aside_path(const std::string& path, int64_t k) {
  const std::string ext = ".json";
  const bool file =
      path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
  const std::string stem = file ? path.substr(0, path.size() - ext.size()) : path;
  return stem + ".unsettled-" + std::to_string(k) + (file ? ext : "");
}

int64_t set_aside_count(const std::string& path) {
  int64_t k = 0;
  while (std::filesystem::exists(set_aside_path(path, k + 1))) ++k;
  return k;
}

}  // namespace tiersplit::real_exec
