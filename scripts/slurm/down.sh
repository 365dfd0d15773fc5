#!/usr/bin/env bash
# down.sh — stop the local Slurm cluster started by up.sh.
#
# Cancels jobs still queued or running (so no training process outlives the
# cluster), runs `scontrol shutdown`, waits for slurmctld and slurmd to exit
# (killing whichever is left, by its pid file), then stops munged. Safe to run
# when the cluster is not running, e.g. from a CI trap. Keeps the folder
# (state, logs) unless --clean is given, which then removes $LSTM_SLURM_DIR.
#
# Usage: down.sh [--clean]
set -euo pipefail

# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

clean=0
case ${1:-} in
    "") ;;
    --clean) clean=1 ;;
    -h | --help)
        sed -n '2,10p' "$0"
        exit 0
        ;;
    *)
        log "usage: down.sh [--clean]"
        exit 64
        ;;
esac

# Read the pids first: the daemons remove their pid files while exiting.
ctld_pid=$(pid_alive "$CTLD_PID" slurmctld) || true
slurmd_pid=$(pid_alive "$SLURMD_PID" slurmd) || true
munge_pid=$(pid_alive "$MUNGE_PID" munged) || true

if ctld_up; then
    export SLURM_CONF=$CONF
    if [[ -n $(squeue -h -o %A 2>/dev/null) ]]; then
        log "cancelling remaining jobs"
        scancel --partition=debug 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            [[ -z $(squeue -h -t R,CG,S -o %A 2>/dev/null) ]] && break
            sleep 0.1
        done
    fi
    log "scontrol shutdown"
    scontrol shutdown >/dev/null 2>&1 || true
    wait_pid_gone "$ctld_pid" slurmctld 15 || true
    wait_pid_gone "$slurmd_pid" slurmd 15 || true
else
    log "slurmctld not answering (cluster not running?)"
fi

stop_pid "$ctld_pid" slurmctld "$CTLD_PID"
stop_pid "$slurmd_pid" slurmd "$SLURMD_PID"
stop_pid "$munge_pid" munged "$MUNGE_PID"

if ((clean)); then
    case $SLURM_DIR in
        "" | / | /tmp | /tmp/) log "refusing to remove '$SLURM_DIR'"; exit 1 ;;
    esac
    log "removing $SLURM_DIR"
    rm -rf -- "$SLURM_DIR"
fi
log "cluster down"
