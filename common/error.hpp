// error.hpp: the one exception type for bad user input; the CLI prints its message and exits 2.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace tiersplit {

/// A problem with user input (a value, a file, a JSON field). Its message is one line that names
/// the value or JSON path and file; the CLI prints it as "tiersplit: error: <message>".
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
inline void append(std::ostringstream&) {}
template <typename T, typename... Rest>
void append(std::ostringstream& os, const T& first, const Rest&... rest) {
  os << first;
  append(os, rest...);
}
}  // namespace detail

/// Throws tiersplit::Error with the concatenation of the arguments.
template <typename... Args>
[[noreturn]] void fail(const Args&... args) {
  std::ostringstream os;
  detail::append(os, args...);
  throw Error(os.str());
}

/// Runs `body`, turning any exception into a one-line message on stderr; returns the exit code
/// (0 ok, 2 bad input, 1 internal failure). Used by every CLI entry point.
int run_guarded(const char* program, int (*body)(void*), void* arg);

}  // namespace tiersplit
