#!/usr/bin/env bash
# swift_fixture.sh: ctest fixture around scripts/swift-aio.sh for the real_exec tests — up (setup)
# starts Swift unless one already answers, down (cleanup, whether the tests passed or not) stops
# it again only if up started it, so a Swift the user runs is left alone.
#   swift_fixture.sh up|down MARKER_FILE
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
marker=${2:?swift_fixture.sh: up|down MARKER_FILE}
port=${TIERSPLIT_SWIFT_PORT:-18080}
case "${1:-}" in
  up)
    rm -f "$marker"
    if curl -sf -m 2 "http://127.0.0.1:$port/healthcheck" >/dev/null 2>&1; then
      echo "Swift already running on port $port: the tests use it and leave it running"
      exit 0
    fi
    if "$src/scripts/swift-aio.sh" --quiet; then
      touch "$marker"
      echo "started Swift on port $port for the tests"
    else  # the tests that need Swift say why they skip
      echo "Swift could not be started; tests that need it will skip"
    fi
    ;;
  down)
    if [ -f "$marker" ]; then
      "$src/scripts/swift-stop.sh"
      rm -f "$marker"
      echo "stopped the Swift the tests started"
    fi
    ;;
  *) echo "swift_fixture.sh: up or down" >&2; exit 2 ;;
esac
