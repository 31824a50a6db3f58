#!/usr/bin/env bash
# swift-stop.sh: stop the single-node Swift started by swift-aio.sh (only the PIDs it recorded).
#   scripts/swift-stop.sh [--purge]     --purge also deletes the state directory (data included)
# TIERSPLIT_SWIFT_DIR selects the state directory (default /tmp/tiersplit-swift).
set -euo pipefail
state=${TIERSPLIT_SWIFT_DIR:-/tmp/tiersplit-swift}
if [ -z "${TIERSPLIT_SWIFT_LOCKED:-}" ] && [ -d "$state" ]; then
  exec 9>"$state/lock"  # the same lock as swift-aio.sh: never stop while another start runs
  flock 9
fi
purge=0
case "${1:-}" in
  --purge) purge=1 ;;
  "") ;;
  -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
  *) echo "swift-stop.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac

# A recorded PID counts only while its start time still matches (PIDs are reused).
ours() {  # name pid
  kill -0 "$2" 2>/dev/null || return 1
  [ -f "$state/run/$1.start" ] || return 0
  [ "$(awk '{print $22}' "/proc/$2/stat" 2>/dev/null)" = "$(cat "$state/run/$1.start")" ]
}

pids=()
names=()
for f in "$state"/run/*.pid; do
  [ -f "$f" ] || continue
  name=$(basename "$f" .pid)
  pid=$(cat "$f")
  if ours "$name" "$pid"; then
    # setsid made each server the leader of its own process group: signal the group (workers too).
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid"); names+=("$name")
  fi
done
for _ in $(seq 1 50); do
  alive=0
  for i in "${!pids[@]}"; do ours "${names[$i]}" "${pids[$i]}" && alive=1; done
  [ "$alive" = 0 ] && break
  sleep 0.1
done
for i in "${!pids[@]}"; do
  if ours "${names[$i]}" "${pids[$i]}"; then
    kill -KILL -- "-${pids[$i]}" 2>/dev/null || kill -KILL "${pids[$i]}" 2>/dev/null || true
  fi
done
rm -f "$state"/run/*.pid "$state"/run/*.start
echo "swift-stop.sh: stopped ${#pids[@]} process(es)" >&2
if [ "$purge" = 1 ]; then rm -rf "$state"; echo "swift-stop.sh: removed $state" >&2; fi
