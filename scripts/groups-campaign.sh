#!/usr/bin/env bash
# groups-campaign.sh: the learning-over-groups validation campaign behind docs/validation.md —
# two workloads (3 large groups on 2 workers; 12 small Zipf-skewed groups on 3 workers) x two
# bandwidths of the store's path (4 Mbit/s, network-bound; 200 Mbit/s, not), every strategy
# predicted and run for real on the testbed's worker namespaces; writes one summary table.
#
#   scripts/groups-campaign.sh [--out DIR] [--only NAME]
#
# Needs the build (scripts/setup.sh), root (network namespaces) and both cores idle: it
# measures. Interrupted, it resumes where it stopped (the state folders under DIR keep every
# calibration, probe, prediction and run). About 25 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

out=groups-validation-results
only=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "groups-campaign.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

tiersplit=build/cli/tiersplit
if [[ ! -x "$tiersplit" ]]; then
  echo "groups-campaign.sh: $tiersplit is missing; run scripts/setup.sh first" >&2
  exit 2
fi
mkdir -p "$out"
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "tiersplit: $($tiersplit --version) ($(git rev-parse --short HEAD 2>/dev/null || echo unknown))"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
  echo "kernel: $(uname -r); $(. /etc/os-release && echo "$PRETTY_NAME")"
} > "$out/machine.txt"
cat "$out/machine.txt"

# Swift belongs to the storage tier: on its cores (the first half, as the testbed assigns them).
half=$(( $(nproc) / 2 )); [[ $half -lt 1 ]] && half=1
storage_cpus=$([[ $half -eq 1 ]] && echo 0 || echo "0-$((half - 1))")
eval "$(scripts/swift-aio.sh --cpus "$storage_cpus" | grep '^TIERSPLIT_STORE=')"
store="${TIERSPLIT_STORE:-swift://127.0.0.1:18080/tiersplit}"

reports=()
for name in groups-few-large groups-many-skewed; do
  reports+=("$out/$name.json")
  [[ -n "$only" && "$only" != "$name" ]] && continue
  echo "=== $name ($(date -u +%H:%M:%S))"
  "$tiersplit" validate "scenarios/validation/$name.json" -o "$out/$name.json" \
    --state-dir "$out/$name.d" --store "$store"
done
existing=()
for f in "${reports[@]}"; do [[ -f "$f" ]] && existing+=("$f"); done
"$tiersplit" validation-table "${existing[@]}" | tee "$out/summary.md"
echo "campaign done: $out/summary.md, $out/machine.txt"
