#!/bin/sh
# fake-ssh.sh: stands in for ssh in tests of the "hosts" testbed. Called as ssh is,
#   fake-ssh.sh [OPTIONS...] HOST 'COMMAND LINE'
# it runs the command line with sh on this machine, as ssh would on HOST (in a clean environment),
# with FAKE_SSH_HOST set to HOST, and appends "HOST: COMMAND LINE" to $FAKE_SSH_LOG when that is
# set. Its own options make failures to test:
#   --down HOST   that host refuses connections (exit 255, as ssh)
#   --unshared    the host sees no shared folder: `test ...` lines fail
# Other options (-tt, -o X) are accepted and ignored.
down=""
unshared=0
while [ $# -gt 2 ]; do
  case "$1" in
    --down) down="$2"; shift 2 ;;
    --unshared) unshared=1; shift ;;
    -o) shift 2 ;;
    *) shift ;;
  esac
done
if [ $# -ne 2 ]; then
  echo "fake-ssh.sh: usage: fake-ssh.sh [OPTIONS] HOST 'COMMAND LINE'" >&2
  exit 255
fi
host="$1"
if [ -n "$down" ] && [ "$host" = "$down" ]; then
  echo "ssh: connect to host $host port 22: Connection refused" >&2
  exit 255
fi
if [ "$unshared" = 1 ]; then
  case "$2" in test\ *) exit 1 ;; esac
fi
[ -n "${FAKE_SSH_LOG:-}" ] && printf '%s: %s\n' "$host" "$2" >> "$FAKE_SSH_LOG"
# As over ssh, the command gets a login's environment, not the caller's: what it needs must
# travel in its line.
exec env -i HOME="$HOME" PATH="$PATH" FAKE_SSH_HOST="$host" sh -c "$2"
