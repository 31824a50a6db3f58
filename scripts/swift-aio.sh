#!/usr/bin/env bash
# swift-aio.sh: bring up a single-node OpenStack Swift (Debian packages) on 127.0.0.1 for tests.
#   scripts/swift-aio.sh [--no-install] [--quiet] [--cpus LIST]
# Idempotent: if the recorded servers are running and healthy it only prints the credentials.
# --cpus LIST (taskset syntax, e.g. 0 or 0-3): run every Swift process (and memcached) on these
# CPUs only, also an instance already running: the object store belongs to the storage tier.
# Everything (config, rings, data, logs, PID files) lives in a private state directory:
#   TIERSPLIT_SWIFT_DIR   state directory              (default /tmp/tiersplit-swift)
#   TIERSPLIT_SWIFT_PORT  proxy port; account/container/object servers use PORT+1..PORT+3 and
#                         memcached PORT+4 (default 18080; all below the ephemeral range)
#   TIERSPLIT_SWIFT_USER / TIERSPLIT_SWIFT_KEY  tempauth credentials (default test:tester / testing)
# Stop with scripts/swift-stop.sh (stops only the PIDs recorded here).
set -euo pipefail

state=${TIERSPLIT_SWIFT_DIR:-/tmp/tiersplit-swift}
# Serialise concurrent callers (tests run in parallel under ctest -j2): one starts Swift, the
# others wait here and then find it running. Without this two starts both bind (Swift's servers
# set SO_REUSEPORT) and the second overwrites the PID files, leaving servers swift-stop.sh cannot
# find. The servers are started with fd 9 closed, so the lock ends with this script.
mkdir -p "$state"
exec 9>"$state/lock"
flock 9
export TIERSPLIT_SWIFT_LOCKED=1  # swift-stop.sh, called from here, must not lock again
port=${TIERSPLIT_SWIFT_PORT:-18080}
user=${TIERSPLIT_SWIFT_USER:-test:tester}
key=${TIERSPLIT_SWIFT_KEY:-testing}
install=1
quiet=0
cpus=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-install) install=0; shift ;;
    --quiet) quiet=1; shift ;;
    --cpus)
      [ $# -ge 2 ] || { echo "swift-aio.sh: --cpus needs a CPU list, e.g. --cpus 0" >&2; exit 2; }
      cpus=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "swift-aio.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$port" -lt 1024 ] || [ "$port" -gt 32763 ]; then
  echo "swift-aio.sh: TIERSPLIT_SWIFT_PORT=$port must be in 1024..32763" >&2; exit 2
fi
account_port=$((port + 1)); container_port=$((port + 2)); object_port=$((port + 3))
memcached_port=$((port + 4))
acct=${user%%:*}
auth_url="http://127.0.0.1:$port/auth/v1.0"

say() { [ "$quiet" = 1 ] || echo "swift-aio.sh: $*" >&2; }

print_credentials() {
  echo "SWIFT_AUTH_URL=$auth_url"
  echo "SWIFT_USER=$user"
  echo "SWIFT_KEY=$key"
  echo "SWIFT_STORAGE_URL=http://127.0.0.1:$port/v1/AUTH_$acct"
  echo "TIERSPLIT_STORE=swift://127.0.0.1:$port/tiersplit"
}

healthy() {
  curl -fsS -m 2 "http://127.0.0.1:$port/healthcheck" >/dev/null 2>&1 || return 1
  curl -fsS -m 5 -o /dev/null -H "X-Auth-User: $user" -H "X-Auth-Key: $key" "$auth_url" 2>/dev/null
}

all_recorded_running() {
  local f pid
  for f in memcached proxy account container object; do
    [ -f "$state/run/$f.pid" ] || return 1
    pid=$(cat "$state/run/$f.pid")
    kill -0 "$pid" 2>/dev/null || return 1
  done
}

# Every process of the recorded servers' sessions (Swift's workers are their children) onto
# $cpus; children forked later inherit it.
pin_cpus() {
  [ -n "$cpus" ] || return 0
  local f sid pid
  for f in memcached proxy account container object; do
    sid=$(cat "$state/run/$f.pid")
    for pid in $(ps -eo pid=,sid= | awk -v s="$sid" '$2 == s {print $1}'); do
      taskset -a -c -p "$cpus" "$pid" >/dev/null 2>&1 || true
    done
  done
  say "pinned to CPUs $cpus"
}
if [ -n "$cpus" ] && ! taskset -c "$cpus" true 2>/dev/null; then
  echo "swift-aio.sh: --cpus '$cpus' is not a usable CPU list here (see taskset(1); CPUs: 0-$(($(nproc) - 1)))" >&2
  exit 2
fi

if all_recorded_running && healthy; then
  say "already running (state in $state)"
  pin_cpus
  print_credentials
  exit 0
fi
if [ -d "$state/run" ] && ls "$state"/run/*.pid >/dev/null 2>&1; then
  say "stale or partial instance found: stopping it first"
  TIERSPLIT_SWIFT_DIR=$state "$(dirname "$0")/swift-stop.sh" >&2 || true
fi

# 1. Packages (only what is missing; another apt run may hold the lock: wait for it).
packages=(swift swift-proxy swift-account swift-container swift-object memcached curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$install" = 0 ]; then
    echo "swift-aio.sh: missing packages ${missing[*]} (run without --no-install)" >&2; exit 3
  fi
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
      "${missing[@]}" >&2; then
    $sudo apt-get -o DPkg::Lock::Timeout=600 update -q >&2
    $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
      "${missing[@]}" >&2
  fi
fi

# The interpreter Debian's own Swift scripts use (another Python may come first on PATH).
python=$(head -1 /usr/bin/swift-proxy-server | sed -e 's/^#! *//' -e 's/ .*//')
[ -x "$python" ] || python=/usr/bin/python3

# 2. Ports must be free (otherwise Swift retries binding for 30 s).
for p in $port $account_port $container_port $object_port $memcached_port; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "swift-aio.sh: port $p on 127.0.0.1 is in use (set TIERSPLIT_SWIFT_PORT)" >&2; exit 4
  fi
done

# 3. Private configuration, rings and a plain directory as the only device.
mkdir -p "$state"/{etc,srv/sdb1,run,log,cache}
run_user=$(id -un)  # servers keep this user: no chown of the data directory needed
if [ ! -f "$state/etc/swift.conf" ]; then
  cat > "$state/etc/swift.conf" <<EOF
[swift-hash]
swift_hash_path_prefix = tiersplit-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
swift_hash_path_suffix = tiersplit-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')

[storage-policy:0]
name = Policy-0
default = yes
EOF
fi
common="[DEFAULT]
bind_ip = 127.0.0.1
swift_dir = $state/etc
devices = $state/srv
mount_check = false
user = $run_user
workers = 1
log_level = INFO
recon_cache_path = $state/cache
"
for kind in account container object; do
  case $kind in account) p=$account_port ;; container) p=$container_port ;; object) p=$object_port ;; esac
  cat > "$state/etc/$kind-server.conf" <<EOF
$common
bind_port = $p
log_name = $kind-server

[pipeline:main]
pipeline = $kind-server

[app:$kind-server]
use = egg:swift#$kind
EOF
done
cat > "$state/etc/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
swift_dir = $state/etc
user = $run_user
workers = 1
log_name = proxy-server
log_level = INFO

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy dlo slo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
# With one node, one error would otherwise make the proxy skip it for 60 s.
error_suppression_interval = 0
node_timeout = 10

[filter:tempauth]
use = egg:swift#tempauth
user_${acct}_${user#*:} = $key .admin
storage_url_scheme = default

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$memcached_port

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:dlo]
use = egg:swift#dlo
[filter:slo]
use = egg:swift#slo

[swift-constraints]
# ext4 holds about 3 KB of xattr metadata per object: keep clients below it (clean 400, not 503).
max_meta_overall_size = 2048
EOF
# Constraints are read from swift.conf.
grep -q '^\[swift-constraints\]' "$state/etc/swift.conf" ||
  printf '\n[swift-constraints]\nmax_meta_overall_size = 2048\n' >> "$state/etc/swift.conf"

if [ ! -f "$state/etc/object.ring.gz" ]; then
  say "building rings"
  for kind in account container object; do
    case $kind in account) p=$account_port ;; container) p=$container_port ;; object) p=$object_port ;; esac
    (cd "$state/etc" &&
      swift-ring-builder $kind.builder create 10 1 1 >/dev/null &&
      swift-ring-builder $kind.builder add "r1z1-127.0.0.1:$p/sdb1" 1 >/dev/null &&
      swift-ring-builder $kind.builder rebalance >/dev/null)
  done
fi

# 4. Start: own session (setsid), own log file, PID and start time recorded.
start() {  # name command...
  local name=$1; shift
  setsid "$@" > "$state/log/$name.log" 2>&1 < /dev/null 9>&- &
  local pid=$!
  echo "$pid" > "$state/run/$name.pid"
  awk '{print $22}' "/proc/$pid/stat" > "$state/run/$name.start" 2>/dev/null || true
}
launcher="import sys
from swift.common import utils
utils.set_swift_dir(sys.argv[1])  # private swift.conf: hash and policies (reassigning is not enough)
from swift.common.wsgi import run_wsgi
sys.argv = [sys.argv[2] + '-server', sys.argv[3], '-v']
conf_file, options = utils.parse_options()
sys.exit(run_wsgi(conf_file, sys.argv[0], **options))"
mc_user=()
[ "$(id -u)" = 0 ] && mc_user=(-u root)
start memcached memcached -l 127.0.0.1 -p "$memcached_port" -U 0 -m 64 "${mc_user[@]}"
for kind in account container object proxy; do
  start $kind "$python" -c "$launcher" "$state/etc" $kind "$state/etc/$kind-server.conf"
done

# 5. Wait until healthy and authenticated (about 3-4 s when packages are present).
for _ in $(seq 1 120); do
  if healthy; then
    say "Swift is up (state in $state, logs in $state/log)"
    pin_cpus
    print_credentials
    exit 0
  fi
  for f in memcached proxy account container object; do
    if ! kill -0 "$(cat "$state/run/$f.pid")" 2>/dev/null; then
      echo "swift-aio.sh: $f exited; last lines of $state/log/$f.log:" >&2
      tail -20 "$state/log/$f.log" >&2
      TIERSPLIT_SWIFT_DIR=$state "$(dirname "$0")/swift-stop.sh" >&2 || true
      exit 5
    fi
  done
  sleep 0.25
done
echo "swift-aio.sh: Swift did not become healthy in 30 s (logs in $state/log)" >&2
exit 5
