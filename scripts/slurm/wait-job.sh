#!/usr/bin/env bash
# wait-job.sh — wait for a Slurm job (array jobs included) and check its result.
#
# Polls `squeue -h -j JOBID` every 0.5 s until no task of the job is queued or
# running (faster than `sbatch --wait`), then reads the final state of every
# task with `scontrol show job -o JOBID` (finished jobs stay visible for
# MinJobAge, 3600 s in up.sh's config).
#
# Usage: wait-job.sh JOBID [TIMEOUT_SECONDS]     (default timeout 600 s)
# Exit:  0 all tasks COMPLETED; 1 some task ended otherwise (states are
#        printed) or the job is unknown; 2 timeout; 64 usage error.
# Uses $SLURM_CONF, else the config of scripts/slurm/up.sh.
set -euo pipefail

# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if (($# < 1 || $# > 2)) || [[ -n ${2:-} && ! ${2:-} =~ ^[0-9]+$ ]]; then
    log "usage: wait-job.sh JOBID [TIMEOUT_SECONDS]"
    exit 64
fi
job=${1%%;*} # `sbatch --parsable` may print "ID;CLUSTER"
timeout=${2:-600}
export SLURM_CONF=${SLURM_CONF:-$CONF}

# States after which a job no longer runs (see squeue(1), JOB STATE CODES).
terminal='^(COMPLETED|CANCELLED|FAILED|TIMEOUT|NODE_FAIL|PREEMPTED|BOOT_FAIL|DEADLINE|OUT_OF_MEMORY|SPECIAL_EXIT|REVOKED)'

deadline=$((SECONDS + timeout))
while :; do
    if out=$(squeue -h -j "$job" -o '%T' 2>&1); then
        # Keep only tasks still queued or running (squeue -j shows all states).
        active=$(grep -Ev "$terminal" <<<"$out" || true)
        [[ -z $active ]] && break
    elif grep -q 'Invalid job id' <<<"$out"; then
        break # already purged; scontrol below reports it
    fi # else: transient error (controller busy), keep polling
    if ((SECONDS >= deadline)); then
        log "timeout after ${timeout}s waiting for job $job; still: $(tr '\n' ' ' <<<"${active:-$out}")"
        exit 2
    fi
    sleep 0.5
done

if ! info=$(scontrol show job -o "$job" 2>&1); then
    log "cannot read job $job: $info"
    exit 1
fi

# One line per task: "JobId=.. ArrayJobId=.. ArrayTaskId=.. JobState=.. ExitCode=..".
field() {
    local kv
    kv=$(grep -o "\b$1=[^ ]*" <<<"$2" | head -n1) || true
    printf '%s' "${kv#*=}"
}
ok=1
report=""
while IFS= read -r line; do
    [[ -n $line ]] || continue
    id=$(field JobId "$line")
    task=$(field ArrayTaskId "$line")
    state=$(field JobState "$line")
    reason=$(field Reason "$line")
    name=${task:+${job%%_*}_${task} (JobId=$id)}
    report+="  ${name:-$id} $state ExitCode=$(field ExitCode "$line")"
    [[ $reason == None || -z $reason ]] || report+=" Reason=$reason"
    report+=$'\n'
    [[ $state == COMPLETED ]] || ok=0
done <<<"$info"

if ((ok)); then
    exit 0
fi
log "job $job did not complete successfully:"
printf '%s' "$report" | sort -V >&2
exit 1
