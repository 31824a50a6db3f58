// error.cpp: turning exceptions into one-line CLI messages.
#include "common/error.hpp"

#include <iostream>
#include <new>

namespace tiersplit {

int run_guarded(const char* program, int (*body)(void*), void* arg) {
  try {
    return body(arg);
  } catch (const Error& e) {
    std::cerr << program << ": error: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << program << ": error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::string what = e.what();
    // LibTorch messages carry a multi-line C++ backtrace; keep the first line only.
    if (auto nl = what.find('\n'); nl != std::string::npos) what = what.substr(0, nl);
    std::cerr << program << ": internal error: " << what << "\n";
    return 1;
  }
}

}  // namespace tiersplit
