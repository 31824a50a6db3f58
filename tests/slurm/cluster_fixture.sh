#!/usr/bin/env bash
# cluster_fixture.sh: ctest fixture around scripts/slurm/cluster.sh — up (setup) or down
# (cleanup, whether the tests passed or not). Exit 77 (skipped) where it cannot run.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ] || ! command -v slurmctld >/dev/null; then
  echo "skipped: a Slurm cluster needs root and slurm-wlm (scripts/setup.sh installs it)"
  [ "${1:-}" = down ] && exit 0
  exit 77
fi
case "${1:-}" in
  up) exec "$src/scripts/slurm/cluster.sh" up --no-install ;;
  down) exec "$src/scripts/slurm/cluster.sh" down --purge ;;
  *) echo "cluster_fixture.sh: up or down" >&2; exit 2 ;;
esac
