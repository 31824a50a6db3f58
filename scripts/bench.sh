#!/usr/bin/env bash
# bench.sh: run the benchmarks (bench/) and compare every speed figure with bench/baseline.json,
# recorded on this project's machine class (2 cores). A figure more than 2x worse than its
# baseline is a regression: the script says which and exits 1. Not a test: run it before
# resolving work that touches sim/, optimizer/, profiles/ or a hot path, on an otherwise idle
# machine.
#   scripts/bench.sh [--build-dir DIR] [--only sweep|recommend|groups|pushdown] [--record]
# --record writes this run's figures to bench/baseline.json (with the machine and commit).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
only=""
record=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --record) record=1; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$only" in ""|sweep|recommend|groups|pushdown) ;; *) echo "bench.sh: --only sweep, recommend, groups or pushdown" >&2; exit 2 ;; esac
cmake --build "$build" --target bench_sweep bench_recommend bench_groups bench_pushdown >/dev/null
out=$(mktemp -d /tmp/tiersplit-bench-XXXXXX)
trap 'rm -rf "$out"' EXIT
run() {  # name command...
  local name=$1
  shift
  [ -z "$only" ] || [ "$only" = "$name" ] || return 0
  echo "bench.sh: $name: $*" >&2
  "$@" --figures "$out/$name.json" >&2
}
run sweep "$build/bench/bench_sweep" --repeat 3
run recommend "$build/bench/bench_recommend" --repeat 2
run groups "$build/bench/bench_groups" --repeat 2
run pushdown "$build/bench/bench_pushdown" --resolution 64 --batch 64 --storage-batch 16 --threads 1
python3 - "$here/bench/baseline.json" "$record" "$out"/*.json <<'PY'
import json, os, subprocess, sys, datetime
baseline_file, record, files = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]
now = {}
for f in files:
    for fig in json.load(open(f))["figures"]:
        now[fig["name"]] = fig
if record:
    old = json.load(open(baseline_file)) if os.path.exists(baseline_file) else {"figures": {}}
    old["figures"].update({k: {"value": v["value"], "unit": v["unit"], "better": v["better"]}
                           for k, v in now.items()})
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    commit = subprocess.run(["git", "-C", os.path.dirname(baseline_file), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    old["machine"] = f"{os.cpu_count()} cores, {cpu}"
    old["recorded"] = datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%MZ") + f" at {commit}"
    json.dump(old, open(baseline_file, "w"), indent=2, sort_keys=True)
    open(baseline_file, "a").write("\n")
    print(f"bench.sh: recorded {len(now)} figure(s) in {baseline_file}")
    sys.exit(0)
base = json.load(open(baseline_file))["figures"]
print(f"{'figure':58} {'baseline':>12} {'now':>12} {'unit':18} {'worse by':>9}")
bad = []
for name, fig in sorted(now.items()):
    b = base.get(name)
    if b is None:
        print(f"{name:58} {'-':>12} {fig['value']:12.4g} {fig['unit']:18} {'new':>9}")
        continue
    ratio = fig["value"] / b["value"] if fig["better"] == "lower" else b["value"] / fig["value"]
    flag = "  REGRESSION" if ratio > 2 else ""
    print(f"{name:58} {b['value']:12.4g} {fig['value']:12.4g} {fig['unit']:18} {ratio:8.2f}x{flag}")
    if ratio > 2: bad.append(name)
if bad:
    print(f"bench.sh: {len(bad)} figure(s) more than 2x worse than bench/baseline.json: {', '.join(bad)}")
    sys.exit(1)
print("bench.sh: no figure more than 2x worse than bench/baseline.json")
PY
