#!/usr/bin/env bash
# submit.sh — submit a sharded lstm-runner sweep to Slurm: an array job of
# SHARDS tasks (sweep.sbatch) and a merge job (merge.sbatch) that runs only if
# every shard succeeds (--dependency=afterok). Prints both job ids:
#     ARRAY_JOB=123
#     MERGE_JOB=124
# so a caller can `eval "$(examples/slurm/submit.sh spec.json 8)"` and then
# `scripts/slurm/wait-job.sh "$MERGE_JOB"`.
#
# Usage: submit.sh SPEC [SHARDS]        (SHARDS default 4)
# Jobs run from the repository root. Environment: RUNNER (default
# .build/release/runner), RESULTS (default results: shard I writes
# RESULTS/shard-I/runs.sqlite), MERGED (default RESULTS/runs.sqlite); sbatch's
# own input variables (SBATCH_PARTITION, SBATCH_TIMELIMIT, ...) apply to both jobs.
set -euo pipefail

if (($# < 1 || $# > 2)); then
    echo "usage: submit.sh SPEC [SHARDS]" >&2
    exit 64
fi
SHARDS=${2:-4}
if [[ ! $SHARDS =~ ^[1-9][0-9]*$ ]]; then
    echo "submit.sh: SHARDS must be a positive integer (got '$SHARDS')" >&2
    exit 64
fi
# Resolve paths against the caller's directory, then run from the repo root.
SPEC=$(realpath -e -- "$1") || { echo "submit.sh: no such spec: $1" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
RUNNER=$(realpath -m -- "${RUNNER:-$root/.build/release/runner}")
RESULTS=$(realpath -m -- "${RESULTS:-$root/results}")
MERGED=$(realpath -m -- "${MERGED:-$RESULTS/runs.sqlite}")
if [[ ! -x $RUNNER ]]; then
    echo "submit.sh: runner not found at $RUNNER (swift build -c release, or set RUNNER)" >&2
    exit 2
fi
mkdir -p "$RESULTS" # Slurm does not create the log folder
cd "$root"

# sbatch passes this environment to the jobs (default --export=ALL).
export SPEC RUNNER RESULTS MERGED SHARDS

array=$(sbatch --parsable --array="0-$((SHARDS - 1))" \
    --output="$RESULTS/slurm-%A_%a.log" \
    "$here/sweep.sbatch")
array=${array%%;*}
# --kill-on-invalid-dep: if a shard fails, cancel the merge instead of leaving
# it pending forever (on clusters without DependencyParameters=kill_invalid_depend).
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --output="$RESULTS/slurm-%j-merge.log" \
    "$here/merge.sbatch")
merge=${merge%%;*}

echo "submitted $SHARDS shards of $SPEC into $RESULTS/shard-*/; merge into $MERGED" >&2
echo "ARRAY_JOB=$array"
echo "MERGE_JOB=$merge"
