#!/usr/bin/env bash
# sanitize.sh: build tiersplit and its unit tests with AddressSanitizer and UndefinedBehaviorSanitizer
# (gcc, -fno-sanitize-recover: the first finding fails the test) in a build directory of its own
# and run the tests that do not need LibTorch at run time plus the CLI tests, which run the
# sanitized `tiersplit`. A finding prints its stack and the script exits 1.
#   scripts/sanitize.sh [--build-dir DIR] [-j N]
# Suppressions, each with its reason, are in scripts/sanitize.supp (LeakSanitizer) — none today.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build-asan
jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "sanitize.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
fi
suites=(common profiles sim groups optimizer cli)
targets=(tiersplit)
for s in "${suites[@]}"; do targets+=("test_$s"); done
echo "sanitize.sh: building ${targets[*]} in $build" >&2
cmake --build "$build" --target "${targets[@]}" -- -j"$jobs" >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$here/scripts/sanitize.supp
regex=$(IFS='|'; echo "^(${suites[*]}):")
cd "$build"
ctest -R "$regex" -LE slow -j"$jobs" --output-on-failure
