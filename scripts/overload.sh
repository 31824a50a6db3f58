#!/usr/bin/env bash
# overload.sh: the pushdown server under overload, on loopback, bounded in time. Imports a small
# 224 px Fashion-MNIST set into a directory store, starts `tiersplit serve` with a memory budget
# a quarter of what the trainers' requests need at once, and runs bench/bench_overload: first
# one trainer alone, then N trainers at once with malformed, oversized, unauthenticated and
# wrong-model requests among them. Prints the measurements as JSON (docs/reliability.md).
#   scripts/overload.sh [--trainers 16] [--budget 920MiB] [--split 4] [--storage-batch 8]
#                       [--tensor-pool-min 1MiB]   (0: the server's tensors in the malloc heap)
# Exit 0: every trainer got each of its samples exactly once and every bad request its status.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
trainers=16 budget=920MiB split=4 sb=8 pool_min=1MiB
while [ $# -gt 0 ]; do
  case "$1" in
    --trainers) trainers=$2; shift 2 ;;
    --budget) budget=$2; shift 2 ;;
    --split) split=$2; shift 2 ;;
    --storage-batch) sb=$2; shift 2 ;;
    --tensor-pool-min) pool_min=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "overload.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$build/bench/bench_overload" ] || { echo "overload.sh: build first (scripts/setup.sh)" >&2; exit 2; }
work=$build/overload
store=$work/store
mkdir -p "$work"
if [ ! -f "$store/overload/manifest.json" ]; then
  echo "overload.sh: importing 65 training samples at 224 px" >&2
  "$build/cli/tiersplit" dataset import fashion-mnist --to "dir://$store" --name overload \
    --resolution 224 --per-object 8 --max-train-per-class 13 --max-test-per-class 2 >/dev/null
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "overload-token" > "$work/token"
"$build/cli/tiersplit" serve --store "dir://$store" --listen "127.0.0.1:$port" \
  --token-file "$work/token" --model vgg11 --memory-budget "$budget" --http-threads "$trainers" --tensor-pool-min "$pool_min" \
  >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/v1/health" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
timeout 900 "$build/bench/bench_overload" --server "http://127.0.0.1:$port" --token overload-token \
  --server-pid $pid --dataset overload --trainers "$trainers" --split "$split" --storage-batch "$sb"
