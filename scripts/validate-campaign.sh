#!/usr/bin/env bash
# validate-campaign.sh: the validation campaign behind docs/validation.md — AlexNet, ResNet-18,
# VGG-11 and MobileNetV2 at 64 px, each alone over three shaped bandwidths (network-bound to
# compute-bound), then three tenants at once over two; writes one summary table.
#
#   scripts/validate-campaign.sh [--out DIR] [--iterations N] [--warmup N] [--repeats N]
#                                [--calm-wait S] [--remeasure-unsettled N]
#                                [--only NAME]
#
# Needs the build (scripts/setup.sh), root for the network namespace (else the pacer fallback),
# and both cores idle: it measures. Interrupted, it resumes where it stopped (the state folders
# under DIR keep every calibration and run). About 60-70 minutes on 2 cores (--repeats N: the
# runs N times over; a run the speed probes show on a machine slower than at calibration is
# measured again, at most --remeasure-unsettled times, 2 by default).
set -euo pipefail
cd "$(dirname "$0")/.."

out=validation-results
iterations=10
warmup=3
repeats=1
calm_wait=30
remeasure=2
only=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --iterations) iterations="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --calm-wait) calm_wait="$2"; shift 2 ;;
    --remeasure-unsettled) remeasure="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "validate-campaign.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

tiersplit=build/cli/tiersplit
if [[ ! -x "$tiersplit" ]]; then
  echo "validate-campaign.sh: $tiersplit is missing; run scripts/setup.sh first" >&2
  exit 2
fi
mkdir -p "$out"

# The machine, as the table's caption needs it.
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "tiersplit: $($tiersplit --version) ($(git rev-parse --short HEAD 2>/dev/null || echo unknown))"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -r); $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "libtorch: $(dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null || echo '?'), simgrid: $(pkg-config --modversion simgrid 2>/dev/null || echo '?')"
  echo "settings: $iterations measured iterations after $warmup warm-up iterations per run, $repeats run(s) per configuration, 1 thread per tier, speed probes around every run (waiting up to ${calm_wait} s for a calm machine; a run on an unsettled machine measured again up to $remeasure time(s))"
} > "$out/machine.txt"
cat "$out/machine.txt"

# The object store is part of the storage tier: Swift runs on the testbed's storage cores (the
# first half, as `tiersplit testbed up` assigns them), not beside the trainer.
half=$(( $(nproc) / 2 )); [[ $half -lt 1 ]] && half=1
storage_cpus=$([[ $half -eq 1 ]] && echo 0 || echo "0-$((half - 1))")
eval "$(scripts/swift-aio.sh --cpus "$storage_cpus" | grep '^TIERSPLIT_STORE=')"
store="${TIERSPLIT_STORE:-swift://127.0.0.1:18080/tiersplit}"

run() {  # run NAME [extra validate options]
  local name="$1"; shift
  [[ -n "$only" && "$only" != "$name" ]] && return 0
  echo "=== $name ($(date -u +%H:%M:%S))"
  "$tiersplit" validate "scenarios/validation/$name.json" -o "$out/$name.json" \
    --state-dir "$out/$name.d" --store "$store" --iterations "$iterations" --warmup "$warmup" \
    --repeats "$repeats" --calm-wait "$calm_wait" --remeasure-unsettled "$remeasure" "$@"
}

for model in alexnet resnet18 vgg11 mobilenet_v2; do
  run "$model-r64" --plot "$out/$model-r64.png"
done
run three-tenants-r64 --together-only

reports=()
for f in "$out"/*-r64.json; do [[ -f "$f" ]] && reports+=("$f"); done
"$tiersplit" validation-table "${reports[@]}" | tee "$out/summary.md"
echo "campaign done: $out/summary.md, $out/machine.txt, plots $out/*.png"
