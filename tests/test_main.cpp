// test_main.cpp: doctest's main, shared by every test executable. The heap keeps freed memory
// for reuse, as in tiersplit's own executables (common/heap.hpp): tests that build large models
// one after another then reuse pages instead of faulting fresh ones in. A run filtered to test
// cases that match none fails: ctest runs every TEST_CASE by its name, and a name that ctest
// cannot pass back intact (a ';' splits it) would otherwise "pass" without running anything.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstring>
#include <iostream>

#include "common/heap.hpp"

namespace {

int g_matched = -1;  // test cases that passed the filters (-1: no test run, e.g. a listing)

/// Counts the test cases a run selected.
struct MatchCounter : doctest::IReporter {
  explicit MatchCounter(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& s) override {
    g_matched = static_cast<int>(s.numTestCasesPassingFilters);
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};
REGISTER_LISTENER("match_counter", 1, MatchCounter);

bool filtered_by_name(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--test-case=", 12) == 0 || std::strncmp(argv[i], "-tc=", 4) == 0)
      return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  tiersplit::keep_freed_memory();
  const int result = doctest::Context(argc, argv).run();
  if (result == 0 && g_matched == 0 && filtered_by_name(argc, argv)) {
    std::cerr << "no test case matches the name given (a ';' in a TEST_CASE name breaks ctest's "
                 "list of names; use ',')\n";
    return 1;
  }
  return result;
}
