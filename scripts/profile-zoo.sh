#!/usr/bin/env bash
# profile-zoo.sh: measure the shipped profiles (profiles/data/<model>-r<res>.json) of every zoo model.
# Run it on an otherwise idle machine: times are per block, single-threaded by default.
#   scripts/profile-zoo.sh [--cpu N] [--threads T] [--models "resnet18 vgg11"] [--out DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${TIERSPLIT_BIN:-$here/build/cli/tiersplit}
out=$here/profiles/data
cpu=""
threads=1
models="alexnet vgg11 vgg16 vgg19 resnet18 resnet50 densenet121 mobilenet_v2 vit_b_16"
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) cpu=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "profile-zoo.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "profile-zoo.sh: $bin not built (run scripts/setup.sh)" >&2; exit 2; }
mkdir -p "$out"
pin=()
[ -n "$cpu" ] && pin=(taskset -c "$cpu")
# Resolution -> batch sizes: 224 is the ImageNet setting; 64 is the reduced CPU setting used by
# the real two-tier runs (Fashion-MNIST resized).
declare -A batches=([224]="1,2,4,8,16,32" [64]="1,2,4,8,16,32,64")
for res in 224 64; do
  for m in $models; do
    echo "== $m at $res ($(date -u +%H:%M:%S))"
    "${pin[@]}" "$bin" profile --model "$m" --input "$res" --batch "${batches[$res]}" \
      --threads "$threads" --quiet -o "$out/$m-r$res.json"
  done
done
