#!/usr/bin/env bash
# sweep.sh: submit a tiersplit sweep to Slurm as a job array of N shards plus the merge job
# that waits for them (scripts/slurm/sweep.sbatch).
#   scripts/slurm/sweep.sh SCENARIO N OUTDIR [--wait] [-- SBATCH_OPTIONS...]
# OUTDIR/results.json is then the same file `tiersplit sweep SCENARIO -o ...` writes on one
# machine. --wait blocks until the merge has ended and fails if any job failed. Options after
# -- go to both sbatch calls (e.g. --partition, --cpus-per-task=4, --time).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
usage() { sed -n '2,8p' "$0"; }
[ $# -ge 3 ] || { usage >&2; exit 2; }
scenario=$(realpath -e "$1") || { echo "sweep.sh: no scenario file '$1'" >&2; exit 2; }
n=$2
out=$(realpath -m "$3")
shift 3
case "$n" in ''|*[!0-9]*|0) echo "sweep.sh: N must be a positive number of shards, not '$n'" >&2; exit 2 ;; esac
wait=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --wait) wait=(--wait); shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "sweep.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
command -v sbatch >/dev/null || { echo "sweep.sh: sbatch not found (is Slurm installed?)" >&2; exit 2; }
mkdir -p "$out"
array=$(sbatch --parsable --array="1-$n" --chdir="$out" "${extra[@]}" \
  "$here/sweep.sbatch" "$scenario" "$out")
array=${array%%;*}
echo "sweep.sh: shards: job array $array (1-$n)" >&2
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --job-name=tiersplit-merge --output="$out/merge-%j.out" --chdir="$out" "${wait[@]}" \
  "${extra[@]}" "$here/sweep.sbatch" --merge "$out" "$n")
merge=${merge%%;*}
echo "sweep.sh: merge: job $merge -> $out/results.json" >&2
