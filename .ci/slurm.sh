#!/usr/bin/env bash
# A private single-node Slurm cluster for the sweep tests (root, no systemd):
#   .ci/slurm.sh start <dir>   writes <dir>/slurm.conf, starts munged, slurmctld, slurmd
#   .ci/slurm.sh stop <dir>    stops them by their PID files
# Point Slurm's commands at it with SLURM_CONF=<dir>/slurm.conf.
set -euo pipefail
cmd=${1:?start|stop}
dir=$(realpath -m "${2:?state folder}")

stop() {
  for pid in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munged.pid"; do
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
  done
  return 0
}

case "$cmd" in
start)
  mkdir -p "$dir/state" "$dir/spool" /run/munge
  chown munge:munge /run/munge
  # munged writes its own PID file under /run/munge; copy it for stop.
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    munged --force 2>/dev/null || munged --force
  fi
  cp /run/munge/munged.pid "$dir/munged.pid" 2>/dev/null || true
  host=$(hostname)
  cpus=$(nproc)
  mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024))
  cat >"$dir/slurm.conf" <<CONF
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
KillWait=30
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -f "$SLURM_CONF"
  slurmd -f "$SLURM_CONF"
  for _ in $(seq 1 30); do
    if sinfo -h -o "%t" 2>/dev/null | grep -q idle; then
      echo "slurm: node $host idle (SLURM_CONF=$SLURM_CONF)"
      exit 0
    fi
    sleep 1
  done
  echo "slurm: the node did not come up; logs in $dir" >&2
  tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
  stop
  exit 1
  ;;
stop) stop ;;
*) echo "usage: $0 start|stop <dir>" >&2 && exit 2 ;;
esac
