#!/usr/bin/env bash
# cluster.sh: a single-node Slurm (Debian's slurm-wlm and munge) on 127.0.0.1, for trying and
# testing the sweep job array without a real cluster.
#   scripts/slurm/cluster.sh up [--no-install]   start munged, slurmctld and slurmd (idempotent);
#                                                 prints the SLURM_CONF line to export
#   scripts/slurm/cluster.sh down [--purge]      stop the daemons it started (by recorded PID)
#   scripts/slurm/cluster.sh status              the daemons and sinfo
# Everything (munge key and socket, slurm.conf, spool, state, logs, PID files) lives in a private
# state directory; nothing under /etc is changed and no system service is touched:
#   TIERSPLIT_SLURM_DIR   state directory                      (default /tmp/tiersplit-slurm)
#   TIERSPLIT_SLURM_PORT  slurmctld port; slurmd uses PORT+1   (default 16817)
# Run as root (slurmd starts jobs as their users). Clients find the cluster through
#   export SLURM_CONF=$TIERSPLIT_SLURM_DIR/slurm.conf
set -euo pipefail

state=${TIERSPLIT_SLURM_DIR:-/tmp/tiersplit-slurm}
port=${TIERSPLIT_SLURM_PORT:-16817}
node=tiersplit-node
host=$(hostname -s)  # slurmctld only runs where SlurmctldHost names this host
say() { echo "cluster.sh: $*" >&2; }
die() { echo "cluster.sh: $*" >&2; exit 2; }

usage() { sed -n '2,13p' "$0"; }

# A recorded PID counts only while its start time still matches (PIDs are reused).
ours() {  # name
  local f="$state/run/$1.pid"
  [ -f "$f" ] || return 1
  local pid
  pid=$(cat "$f")
  kill -0 "$pid" 2>/dev/null || return 1
  [ "$(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null)" = "$(cat "$state/run/$1.start")" ]
}

record() {  # name pid: remember the daemon (and its start time) that wrote pid
  echo "$2" >"$state/run/$1.pid"
  awk '{print $22}' "/proc/$2/stat" >"$state/run/$1.start"
}

wait_for_pidfile() {  # file seconds
  for _ in $(seq 1 $(($2 * 10))); do
    [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_config() {
  local cpus mem
  cpus=$(nproc)
  mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
  cat >"$state/slurm.conf" <<EOF
# Written by scripts/slurm/cluster.sh: one node on 127.0.0.1, state in $state.
ClusterName=tiersplit
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$state/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
  # slurmd loads a cgroup plugin even when jobs are tracked without cgroups (linuxproc).
  echo "CgroupPlugin=autodetect" >"$state/cgroup.conf"
}

start_munge() {
  ours munged && return 0
  mkdir -p "$state/munge"
  chmod 700 "$state/munge"
  [ -f "$state/munge/munge.key" ] || mungekey --create --keyfile="$state/munge/munge.key" 2>/dev/null
  chmod 600 "$state/munge/munge.key"
  rm -f "$state/munge/munged.pid"
  munged --force --key-file="$state/munge/munge.key" --socket="$state/munge/munge.socket" \
    --pid-file="$state/munge/munged.pid" --log-file="$state/munge/munged.log" \
    --seed-file="$state/munge/munged.seed" 9>&-
  wait_for_pidfile "$state/munge/munged.pid" 10 || die "munged did not start ($state/munge/munged.log)"
  record munged "$(cat "$state/munge/munged.pid")"
}

start_daemon() {  # name command...
  local name=$1
  shift
  ours "$name" && return 0
  rm -f "$state/$name.pid"
  SLURM_CONF="$state/slurm.conf" "$@" 9>&-
  wait_for_pidfile "$state/$name.pid" 20 || die "$name did not start (see $state/$name.log)"
  record "$name" "$(cat "$state/$name.pid")"
}

node_ready() {
  SLURM_CONF="$state/slurm.conf" sinfo -h -n "$node" -o "%T" 2>/dev/null | grep -Eq "idle|mixed|alloc"
}

up() {
  local install=1
  [ "${1:-}" = "--no-install" ] && install=0
  [ "$(id -u)" = 0 ] || die "run as root: slurmd starts jobs as their users"
  if [ "$install" = 1 ] && ! command -v slurmctld >/dev/null; then
    say "installing slurm-wlm and munge"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
      --no-install-recommends slurm-wlm munge >&2
  fi
  command -v slurmctld >/dev/null || die "slurm-wlm is not installed (scripts/setup.sh installs it)"
  mkdir -p "$state/run" "$state/ctld" "$state/spool"
  exec 9>"$state/lock"
  flock 9
  if ! ours slurmctld; then
    port_free "$port" || die "port $port (TIERSPLIT_SLURM_PORT) is in use"
    port_free $((port + 1)) || die "port $((port + 1)) (TIERSPLIT_SLURM_PORT + 1) is in use"
  fi
  write_config
  start_munge
  start_daemon slurmctld slurmctld -c -f "$state/slurm.conf"
  start_daemon slurmd slurmd -N "$node" -f "$state/slurm.conf"
  for _ in $(seq 1 300); do
    node_ready && break
    sleep 0.1
  done
  node_ready || die "the node did not come up (see $state/slurmctld.log and $state/slurmd.log)"
  say "up: one node ($(nproc) CPUs), partition main"
  echo "export SLURM_CONF=$state/slurm.conf"
}

down() {
  [ -d "$state" ] || { say "nothing to stop ($state does not exist)"; return 0; }
  local stopped=0 name
  for name in slurmd slurmctld munged; do
    if ours "$name"; then
      kill -TERM "$(cat "$state/run/$name.pid")" 2>/dev/null || true
      for _ in $(seq 1 50); do ours "$name" || break; sleep 0.1; done
      ours "$name" && kill -KILL "$(cat "$state/run/$name.pid")" 2>/dev/null || true
      stopped=$((stopped + 1))
    fi
    rm -f "$state/run/$name.pid" "$state/run/$name.start"
  done
  say "stopped $stopped daemon(s)"
  if [ "${1:-}" = "--purge" ]; then rm -rf "$state"; say "removed $state"; fi
}

status() {
  local name
  for name in munged slurmctld slurmd; do
    if ours "$name"; then echo "$name running (pid $(cat "$state/run/$name.pid"))"; else echo "$name stopped"; fi
  done
  ours slurmctld && SLURM_CONF="$state/slurm.conf" sinfo || true
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) shift; down "$@" ;;
  status) status ;;
  -h|--help|"") usage ;;
  *) echo "cluster.sh: unknown command '$1' (up, down, status)" >&2; exit 2 ;;
esac
