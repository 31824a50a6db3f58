#!/usr/bin/env bash
# sweep_test.sh: a sweep run as a Slurm job array on the single-node cluster (the "slurm" test
# fixture starts it) merges into the same file as the unsharded sweep on this machine.
#   tests/slurm/sweep_test.sh TIERSPLIT_BINARY SOURCE_DIR
# Exit 77 (skipped) where the cluster cannot run: not root, or slurm-wlm missing.
set -euo pipefail
bin=$1
src=$2
[ "$(id -u)" = 0 ] && command -v sbatch >/dev/null || { echo "skipped: needs root and slurm-wlm"; exit 77; }
export SLURM_CONF=${TIERSPLIT_SLURM_DIR:?}/slurm.conf
work=$(mktemp -d /tmp/tiersplit-slurm-test-XXXXXX)
trap 'rm -rf "$work"' EXIT
scenario=$src/scenarios/quickstart.json
export TIERSPLIT_NO_PROGRESS=1
"$bin" sweep "$scenario" -q -j 2 -o "$work/whole.json"
timeout 240 "$src/scripts/slurm/sweep.sh" "$scenario" 3 "$work/array" --wait -- \
  --export="ALL,TIERSPLIT_BIN=$bin"
for k in 1 2 3; do
  [ -s "$work/array/shard-$k-of-3.json" ] || { echo "FAIL: shard $k/3 missing"; exit 1; }
done
if ! cmp -s "$work/whole.json" "$work/array/results.json"; then
  echo "FAIL: the merged job array result differs from the unsharded sweep"
  diff <(head -c 2000 "$work/whole.json") <(head -c 2000 "$work/array/results.json") || true
  exit 1
fi
echo "ok: 3 array tasks and the merge job wrote $(wc -c <"$work/whole.json") bytes, identical"
