#!/usr/bin/env bash
# profile-zoo.sh: measure the shipped profiles (profiles/data/<model>-r<res>.json) of every zoo model.
# Run it on an otherwise idle machine: times are per block, single-threaded by default.
#   scripts/profile-zoo.sh [--cpu N] [--threads T] [--models "resnet18 vgg11"]
#                          [--resolutions "224 64"] [--out DIR]
# At 224 px it measures batch 1..256 (HAPI trains with B = 128-8000) where memory allows: the
# profiler stops at the batch whose projected peak would not fit (VGG-16 and VGG-19 at 256 need
# about 20 GB). Takes about 80 minutes at 224 px and 30 at 64 px.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${TIERSPLIT_BIN:-$here/build/cli/tiersplit}
out=$here/profiles/data
cpu=""
threads=1
models="alexnet vgg11 vgg16 vgg19 resnet18 resnet50 densenet121 mobilenet_v2 vit_b_16"
resolutions="224 64"
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) cpu=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --resolutions) resolutions=$2; shift 2 ;;
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
declare -A batches=([224]="1,2,4,8,16,32,64,128,256" [64]="1,2,4,8,16,32,64")
for res in $resolutions; do
  for m in $models; do
    echo "== $m at $res ($(date -u +%H:%M:%S))"
    "${pin[@]}" "$bin" profile --model "$m" --input "$res" --batch "${batches[$res]}" \
      --threads "$threads" --quiet -o "$out/$m-r$res.json"
  done
done
