#!/usr/bin/env bash
# fuzz.sh: build the fuzz targets (fuzz/) with clang, libFuzzer, ASan and UBSan in their own build
# directory, replay the kept regression inputs, then fuzz every target for N seconds from seed
# corpora made of the shipped files. A crash is a bug: its input is saved under
# fuzz/regressions/<target>/ (keep it in git once fixed: it is replayed on every run) and the
# script exits 1.
#   scripts/fuzz.sh [--seconds N] [--build-dir DIR] [--only TARGET] [--replay-only] [--build-only]
# Prints executions and crashes per target (docs/reliability.md records a long run). Exit 0: no
# crash; 1: a crash or a failing kept input; 2: bad usage; 77: clang or libFuzzer missing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build-fuzz
seconds=20
only=""
replay_only=0
build_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --replay-only) replay_only=1; shift ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: --seconds needs a whole number, not '$seconds'" >&2; exit 2 ;; esac
if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz.sh: needs clang and libclang-rt-14-dev (scripts/setup.sh installs them)" >&2
  exit 77  # skipped under ctest
fi

targets=(fuzz_units fuzz_scenario fuzz_profile fuzz_reports fuzz_safetensors fuzz_validation fuzz_server)
if [ -n "$only" ]; then
  printf '%s\n' "${targets[@]}" | grep -qx "$only" || { echo "fuzz.sh: no target '$only' (${targets[*]})" >&2; exit 2; }
  targets=("$only")
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
  # -O1 and line tables only: symbolised crash stacks, and a build that fits the test suite.
  CXX=clang++ cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" \
    -DTIERSPLIT_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
fi
cmake --build "$build" --target "${targets[@]}" -- -j2 >/dev/null
[ "$build_only" = 1 ] && exit 0  # scripts/setup.sh builds them once; the test suite then only runs them

# Seed corpora: the shipped files each target reads.
seed() {  # target files...
  local dir=$build/corpus/$1
  shift
  mkdir -p "$dir"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/$(basename "$f")"; done
}
seed fuzz_units
printf '%s' 1Gbps > "$build/corpus/fuzz_units/bw"; printf '%s' 50us > "$build/corpus/fuzz_units/t"
printf '%s' 16GiB > "$build/corpus/fuzz_units/m"; printf '%s' 8.1TFLOPS > "$build/corpus/fuzz_units/f"
seed fuzz_scenario "$here"/scenarios/*.json
seed fuzz_profile "$here"/profiles/data/resnet18-r64.json "$here"/profiles/data/alexnet-r64.json \
  "$here"/profiles/devices/*.json
seed fuzz_reports
if [ -x "$here/build/cli/tiersplit" ] && [ ! -f "$build/corpus/fuzz_reports/rec.json" ]; then
  # What the main build writes: a recommendation and results files of both workload kinds.
  t=$here/build/cli/tiersplit
  "$t" recommend "$here/scenarios/quickstart.json" -o "$build/corpus/fuzz_reports/rec.json" -q >/dev/null 2>&1 || true
  "$t" sweep "$here/scenarios/quickstart.json" -o "$build/corpus/fuzz_reports/results.json" >/dev/null 2>&1 || true
  "$t" sweep "$here/scenarios/groups-quickstart.json" --closed-form \
    -o "$build/corpus/fuzz_reports/groups-results.json" >/dev/null 2>&1 || true
  python3 - "$build/corpus/fuzz_reports" <<'PY'  # small seeds fuzz faster: two rows, one point
import json, os, sys
for name, key in (("results.json", "results"), ("groups-results.json", "results"), ("rec.json", "points")):
    path = os.path.join(sys.argv[1], name)
    if not os.path.exists(path):
        continue
    doc = json.load(open(path))
    doc[key] = doc[key][:1 if key == "points" else 2]
    doc.pop("best", None)
    json.dump(doc, open(path, "w"))
PY
fi
seed fuzz_validation "$here"/docs/validation/three-tenants-r64.json
python3 - "$here/docs/validation/alexnet-r64.json" "$build/corpus/fuzz_validation" <<'PY'
import json, os, sys  # a shipped validation report cut to one point, and a small calibration
doc = json.load(open(sys.argv[1]))
doc["points"] = doc["points"][:1]
json.dump(doc, open(os.path.join(sys.argv[2], "report.json"), "w"))
cal = {"testbed": {"bandwidth_bytes_per_s": 1.25e8}, "platform": {"network": {"bandwidth": "1Gbps"}},
       "measured": {"link": {"fit": {"latency_s": 1e-4, "bandwidth_bytes_per_s": 1.2e8}}},
       "dataset": {"name": "fmnist-r64", "resolution": 64, "per_object": 64, "bytes_per_sample": 12304.0,
                   "target_train_samples": 6000, "target_classes": 5},
       "profiles": [{"model": "alexnet", "storage": "profiles/a-storage.json",
                     "compute": "profiles/a-compute.json", "storage_batches": [1, 8, 64]}]}
json.dump(cal, open(os.path.join(sys.argv[2], "calibration.json"), "w"))
PY
seed fuzz_safetensors
seed fuzz_server  # raw HTTP requests, one per route, good and bad
s=$build/corpus/fuzz_server
body='{"model":"alexnet","resolution":4,"split":0,"segments":[{"object":"ds/target-train/000000.safetensors","first":1,"count":2}]}'
printf 'POST /v1/pushdown HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' "${#body}" "$body" > "$s/pushdown"
printf 'POST /v1/pushdown HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}' > "$s/unauthenticated"
printf 'GET /v1/probe?bytes=100 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret\r\n\r\n' > "$s/probe"
printf 'GET /v1/datasets/ds/manifest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret\r\n\r\n' > "$s/manifest"
printf 'GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n' > "$s/health"
printf '\x10\x00\x00\x00\x00\x00\x00\x00{"__metadata__":{}}' > "$build/corpus/fuzz_safetensors/empty"

status=0
printf '%-18s %12s %8s\n' target executions crashes
for t in "${targets[@]}"; do
  reg=$here/fuzz/regressions/$t
  if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then  # every kept input must pass
    if ! "$build/fuzz/$t" "$reg"/* >"$build/$t.replay.log" 2>&1; then
      echo "fuzz.sh: $t fails on a kept regression input (see $build/$t.replay.log)" >&2
      status=1
    fi
  fi
  [ "$replay_only" = 1 ] && continue
  mkdir -p "$reg" "$build/found/$t"
  set +e
  "$build/fuzz/$t" "$build/found/$t" "$build/corpus/$t" -max_total_time="$seconds" \
    -artifact_prefix="$reg/" -print_final_stats=1 -rss_limit_mb=4096 -max_len=65536 >"$build/$t.log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/$t.log" | grep -o '[0-9]*$' || echo 0)
  crashes=0
  if [ "$rc" != 0 ]; then crashes=1; status=1; fi
  printf '%-18s %12s %8s\n' "$t" "${execs:-0}" "$crashes"
  [ "$rc" = 0 ] || { echo "fuzz.sh: $t crashed; input kept in $reg/ (log: $build/$t.log)" >&2; }
done
exit $status
