# shellcheck shell=bash disable=SC2034
# common.sh — shared settings and helpers for scripts/slurm/*.sh (sourced, not run).
#
# Everything lives in one folder, $LSTM_SLURM_DIR (default /tmp/lstm-runner-slurm);
# nothing is written to /etc. Clients find the cluster through SLURM_CONF.

SLURM_DIR=${LSTM_SLURM_DIR:-/tmp/lstm-runner-slurm}
CONF=$SLURM_DIR/slurm.conf
RUN_DIR=$SLURM_DIR/run
LOG_DIR=$SLURM_DIR/log
MUNGE_DIR=$SLURM_DIR/munge
MUNGE_KEY=$MUNGE_DIR/etc/munge.key
MUNGE_SOCKET=$MUNGE_DIR/run/munge.socket.2
MUNGE_PID=$MUNGE_DIR/run/munged.pid
MUNGE_LOG=$LOG_DIR/munged.log
CTLD_PID=$RUN_DIR/slurmctld.pid
SLURMD_PID=$RUN_DIR/slurmd.pid
CTLD_LOG=$LOG_DIR/slurmctld.log
SLURMD_LOG=$LOG_DIR/slurmd.log
NODE_NAME=localhost

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }

# proc_alive PID NAME: succeed if process PID is alive (not a zombie) and its
# command is NAME (guards against recycled pids).
proc_alive() {
    [[ -n $1 && $(cat "/proc/$1/comm" 2>/dev/null) == "$2" ]] || return 1
    ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"
}

# pid_alive PIDFILE NAME: print the pid and succeed if PIDFILE names a live
# process whose command is NAME.
pid_alive() {
    local pid
    [[ -r $1 ]] || return 1
    pid=$(tr -dc '0-9' 2>/dev/null <"$1") || return 1
    proc_alive "$pid" "$2" || return 1
    printf '%s\n' "$pid"
}

# wait_pid_gone PID NAME SECONDS: wait until the process has exited.
# (Daemons unlink their pid file before they finish exiting, so wait on the pid.)
wait_pid_gone() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        proc_alive "$1" "$2" || return 0
        sleep 0.1
    done
    return 1
}

# stop_pid PID NAME PIDFILE: SIGTERM, then SIGKILL after 10 s; drop PIDFILE.
stop_pid() {
    if proc_alive "$1" "$2"; then
        log "stopping $2 (pid $1)"
        kill "$1" 2>/dev/null || true
        if ! wait_pid_gone "$1" "$2" 10; then
            log "$2 still alive; sending SIGKILL"
            kill -9 "$1" 2>/dev/null || true
            wait_pid_gone "$1" "$2" 5 || log "WARNING: $2 (pid $1) did not exit"
        fi
    fi
    rm -f "$3"
}

# ctld_up: succeed if slurmctld of this cluster answers.
ctld_up() {
    [[ -r $CONF ]] || return 1
    SLURM_CONF=$CONF timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'
}

# node_state: print the (compact) state of the node, e.g. idle, mix, idle*.
node_state() {
    SLURM_CONF=$CONF timeout 10 sinfo -h -n "$NODE_NAME" -o '%t' 2>/dev/null | head -n1
}
