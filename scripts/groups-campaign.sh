#!/usr/bin/env bash
# groups-campaign.sh: the learning-over-groups validation campaign behind docs/validation.md —
# two workloads (3 large groups on 2 workers; 12 small Zipf-skewed groups on 3 workers) x two
# bandwidths of the store's path (4 Mbit/s, network-bound; 200 Mbit/s, not), every strategy
# predicted and run for real (twice, in rounds) on the testbed's worker namespaces; writes one
# summary table. Then
# the accuracy check: a ResNet-18 pretrained on Fashion-MNIST's source classes, every strategy of
# the skewed workload trained from it for real, the heads' held-out accuracy compared.
#
#   scripts/groups-campaign.sh [--out DIR] [--only NAME|accuracy]
#
# Needs the build (scripts/setup.sh), root (network namespaces) and both cores idle: it
# measures. Interrupted, it resumes where it stopped (the state folders under DIR keep every
# calibration, probe, prediction and run). 45-95 minutes on 2 cores, the longer the more runs
# are measured again on an unsettled machine.
set -euo pipefail
cd "$(dirname "$0")/.."

out=groups-validation-results
only=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
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
    --state-dir "$out/$name.d" --store "$store" --repeats 2
done
existing=()
for f in "${reports[@]}"; do [[ -f "$f" ]] && existing+=("$f"); done
if [[ ${#existing[@]} -gt 0 ]]; then
  "$tiersplit" validation-table "${existing[@]}" | tee "$out/summary.md"
fi

# Accuracy: Kingpin's claim that the strategies differ in speed only. Heads on a random backbone
# learn little, so the backbone is pretrained first (source classes 0-4, 2 epochs).
if [[ -z "$only" || "$only" == accuracy ]]; then
  acc="$out/accuracy"
  mkdir -p "$acc"
  weights="$acc/resnet18-fmnist-r64.safetensors"
  if [[ ! -f "$weights" ]]; then
    echo "=== pretraining ResNet-18 at 64 px ($(date -u +%H:%M:%S))"
    "$tiersplit" dataset import fashion-mnist --resolution 64 --per-object 128 \
      --max-train-per-class 500 --max-test-per-class 100 --to "$store" --name fmnist-r64-pretrain
    "$tiersplit" pretrain --store "$store" --dataset fmnist-r64-pretrain --model resnet18 \
      --epochs 2 --threads 1 --output "$weights" --report "$acc/pretrain.json"
  fi
  port=8479
  "$tiersplit" serve --store "$store" --listen "127.0.0.1:$port" --threads 1 \
    --weights "$weights" > "$acc/serve.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/v1/health" > /dev/null && break
    sleep 0.3
  done
  for run in mtp:per-config gtp:shared dp:shared sp:shared gl:shared; do
    strategy=${run%%:*}
    [[ -f "$acc/$strategy/report.json" ]] && continue
    echo "=== accuracy: $strategy ($(date -u +%H:%M:%S))"
    "$tiersplit" groups run scenarios/validation/groups-many-skewed.json \
      --server "http://127.0.0.1:$port" --dataset groups-many-skewed-r64 --weights-file "$weights" \
      --split 9 --storage-batch 16 --strategy "$strategy" --extraction "${run#*:}" \
      --out-dir "$acc/$strategy"
  done
  kill $server 2>/dev/null || true
  python3 - "$acc" <<'PY' | tee "$acc/summary.md"
import json, sys, itertools
acc = sys.argv[1]
runs = {s: json.load(open(f"{acc}/{s}/report.json")) for s in ["mtp", "gtp", "dp", "sp", "gl"]}
final = {s: {(a["group"], a["config"]): a["final_accuracy"] for a in r["accuracy"]} for s, r in runs.items()}
keys = sorted(final["gl"])
spread = max(max(final[s][k] for s in final) - min(final[s][k] for s in final) for k in keys)
print("| strategy | mean final held-out accuracy | heads | training makespan |")
print("|---|---|---|---|")
for s, f in final.items():
    print(f"| {s} | {100 * sum(f.values()) / len(f):.1f} % | {len(f)} | {runs[s]['training_makespan_s']:.1f} s |")
print(f"\nlargest spread of one head's final accuracy across strategies: {100 * spread:.1f} points")
PY
fi
echo "campaign done: $out/summary.md, $out/accuracy/summary.md, $out/machine.txt"
