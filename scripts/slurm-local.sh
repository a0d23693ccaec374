#!/usr/bin/env bash
# Runs COMMAND against a private, single-node Slurm on loopback, then stops it again:
#
#     scripts/slurm-local.sh -- target/release/ecrust-ecs sweep --config F --slurm --wait --out DIR
#
# Installs slurmctld, slurmd, slurm-client and munge with apt-get when they are missing (needs
# root), starts munged (as the munge user) unless one already answers, and starts slurmctld and
# slurmd with a slurm.conf in a temporary directory (SLURM_CONF points at it; state, spool, logs
# and pid files live there too, nothing goes to /etc, no cgroups are needed). When the node is
# idle it runs COMMAND with SLURM_CONF set. Whatever COMMAND does, even on Ctrl-C, everything
# this script started is stopped (scontrol shutdown, then by PID; munged --stop), and the exit
# code is COMMAND's.
#
# Exit codes besides COMMAND's: 77 when this machine cannot run it (not root, or Slurm missing
# and no apt-get), so callers can skip; 1 when Slurm would not install or start.
# SLURM_LOCAL_PORT (default 6817) picks slurmctld's port; slurmd uses the next one.
set -euo pipefail

usage() {
    echo "usage: scripts/slurm-local.sh -- COMMAND [ARG]..." >&2
    exit 2
}
[[ "${1:-}" == "--" ]] && shift
[[ $# -gt 0 ]] || usage

say() { echo "slurm-local: $*" >&2; }

readonly PACKAGES=(slurmctld slurmd slurm-client munge)
readonly COMMANDS=(slurmctld slurmd sbatch sinfo squeue scancel scontrol munged mungekey munge unmunge)
export PATH="$PATH:/usr/sbin:/sbin"

slurm_missing() {
    local c
    for c in "${COMMANDS[@]}"; do
        command -v "$c" >/dev/null 2>&1 || return 0
    done
    return 1
}

# slurmd, munged's run directory and the installation all need root (SlurmUser=root below).
if [[ $(id -u) -ne 0 ]]; then
    say "cannot run a local Slurm: needs root (to install ${PACKAGES[*]} and start slurmd)"
    exit 77
fi
if slurm_missing; then
    if ! command -v apt-get >/dev/null 2>&1; then
        say "cannot install ${PACKAGES[*]}: no apt-get on this machine"
        exit 77
    fi
    say "installing ${PACKAGES[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt_log=$(mktemp)
    # The package lists may be missing or stale on a fresh machine: update once and retry.
    if ! apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" >"$apt_log" 2>&1; then
        if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"; } >>"$apt_log" 2>&1; then
            tail -n 5 "$apt_log" >&2
            say "apt-get could not install ${PACKAGES[*]} (log: $apt_log)"
            exit 1
        fi
    fi
    rm -f "$apt_log"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/slurm-local.XXXXXX")
chmod 755 "$work"
munged_pid=""
command_pid=""
ctld_pid=""
slurmd_pid=""
keep_work=0

# Waits up to $2 tenths of a second for process $1 to end.
wait_gone() {
    local i
    for ((i = 0; i < $2; i++)); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

stop_pid() {
    [[ -n "$1" ]] || return 0
    wait_gone "$1" 50 && return 0
    kill -TERM "$1" 2>/dev/null || true
    wait_gone "$1" 50 && return 0
    kill -KILL "$1" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$command_pid" ]]; then
        kill -TERM "$command_pid" 2>/dev/null || true
        stop_pid "$command_pid"
    fi
    if [[ -n "$ctld_pid" ]]; then
        # Jobs still queued or running would outlive the daemons: cancel them first.
        scancel --full --quiet --user="$(id -un)" >/dev/null 2>&1 || true
        for _ in $(seq 50); do
            [[ -z "$(squeue -h 2>/dev/null)" ]] && break
            sleep 0.1
        done
        scontrol shutdown >/dev/null 2>&1 || true
    fi
    stop_pid "$slurmd_pid"
    stop_pid "$ctld_pid"
    if [[ -n "$munged_pid" ]]; then
        munged --stop >/dev/null 2>&1 || kill -TERM "$munged_pid" 2>/dev/null || true
        stop_pid "$munged_pid"
    fi
    if [[ $keep_work -eq 1 ]]; then
        say "logs kept in $work"
    else
        rm -rf "$work"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

munge_answers() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

if munge_answers; then
    say "using the munged already running"
else
    install -d -o munge -g munge -m 0755 /run/munge
    if [[ ! -s /etc/munge/munge.key ]]; then
        runuser -u munge -- mungekey --create >/dev/null 2>&1 ||
            { mungekey --create && chown munge:munge /etc/munge/munge.key; }
    fi
    runuser -u munge -- munged --pid-file=/run/munge/munged.pid
    munged_pid=$(cat /run/munge/munged.pid)
    for _ in $(seq 50); do
        munge_answers && break
        sleep 0.1
    done
    munge_answers || { say "munged does not answer"; exit 1; }
fi

port=${SLURM_LOCAL_PORT:-6817}
export SLURM_CONF="$work/slurm.conf"
cat >"$SLURM_CONF" <<EOF
# A one-node Slurm on loopback for scripts/slurm-local.sh; everything it writes is in $work.
ClusterName=ecrust-local
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
mkdir -p "$work/state" "$work/spool"

slurmctld -D >"$work/slurmctld.out" 2>&1 &
ctld_pid=$!
slurmd -D -N localhost >"$work/slurmd.out" 2>&1 &
slurmd_pid=$!

state=""
for _ in $(seq 300); do
    state=$(sinfo -h -n localhost -o %t 2>/dev/null || true)
    [[ "$state" == "idle" ]] && break
    if ! kill -0 "$ctld_pid" 2>/dev/null || ! kill -0 "$slurmd_pid" 2>/dev/null; then
        break
    fi
    sleep 0.2
done
if [[ "$state" != "idle" ]]; then
    keep_work=1
    tail -n 5 "$work/slurmctld.log" "$work/slurmd.log" "$work/slurmctld.out" "$work/slurmd.out" >&2 2>/dev/null || true
    say "the node did not become idle (state '${state:-none}')"
    exit 1
fi
say "node localhost idle ($(nproc) CPUs); running: $*"

# In the background, so that a TERM or INT to this script runs the cleanup at once (bash
# delays traps until a foreground command ends); `<&0` keeps our stdin for it.
set +e
"$@" <&0 &
command_pid=$!
wait "$command_pid"
rc=$?
command_pid=""
set -e
exit "$rc"
