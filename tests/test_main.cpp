// test_main.cpp: doctest's main, shared by every test executable. The heap keeps freed memory
// for reuse, as in tiersplit's own executables (common/heap.hpp): tests that build large models
// one after another then reuse pages instead of faulting fresh ones in.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "common/heap.hpp"

int main(int argc, char** argv) {
  tiersplit::keep_freed_memory();
  return doctest::Context(argc, argv).run();
}
