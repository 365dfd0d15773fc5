#!/usr/bin/env bash
# selftest.sh — end-to-end check of scripts/slurm/{up,down,wait-job}.sh.
#
# Starts the local cluster (up.sh, twice: the second must be a no-op), runs a
# 4-task array job and checks its outputs and environment, a dependent job
# (afterok), a failing job (wait-job.sh must exit 1) and a job depending on it
# (must be cancelled), restarts the cluster (down.sh + up.sh, stale state) and
# runs one more job. Prints timings. Stops the cluster at the end, even on
# failure, unless it was already running before the test.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh source-path=SCRIPTDIR
source "$here/common.sh"

out=$(mktemp -d /tmp/lstm-slurm-selftest.XXXXXX)
failures=0
was_up=0
ctld_up && was_up=1

cleanup() {
    if ((!was_up)); then "$here/down.sh" || true; fi
    rm -rf "$out"
}
trap cleanup EXIT

pass() { printf 'PASS %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; failures=$((failures + 1)); }
# expect WANT GOT TEXT...: pass if exit status GOT is WANT.
expect() {
    local want=$1 got=$2
    shift 2
    if ((got == want)); then pass "$*"; else fail "$* (exit $got, expected $want)"; fi
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

t=$(now)
eval "$("$here/up.sh")"
pass "up.sh ($(elapsed "$t") s)"
[[ $SLURM_CONF == "$CONF" ]] || fail "up.sh printed SLURM_CONF=$SLURM_CONF"

if msg=$("$here/up.sh" 2>&1 >/dev/null) && [[ $msg == *"already up"* ]]; then
    pass "up.sh again: already up"
else
    fail "up.sh again: $msg"
fi

# 4-task array; also record the environment the tasks see.
export LSTM_SELFTEST_VAR=propagated
t=$(now)
array=$(sbatch --parsable --array=0-3 --output="$out/array-%a.log" --wrap \
    "echo task \$SLURM_ARRAY_TASK_ID of \$SLURM_ARRAY_TASK_COUNT > $out/out-\$SLURM_ARRAY_TASK_ID
     env > $out/env-\$SLURM_ARRAY_TASK_ID; date +%s.%N > $out/end-\$SLURM_ARRAY_TASK_ID")
if "$here/wait-job.sh" "$array" 60; then
    pass "4-task array job $array ($(elapsed "$t") s)"
else
    fail "4-task array job $array"
fi
for i in 0 1 2 3; do
    got=$(cat "$out/out-$i" 2>/dev/null || true)
    [[ $got == "task $i of 4" ]] || fail "array task $i wrote '$got'"
done
for var in SLURM_ARRAY_TASK_COUNT=4 "SLURM_CONF=$CONF" LSTM_SELFTEST_VAR=propagated "PATH=$PATH"; do
    if grep -qxF "$var" "$out/env-0" 2>/dev/null; then
        pass "task environment has ${var%%=*}"
    else
        fail "task environment lacks $var"
    fi
done

dep=$(sbatch --parsable --dependency="afterok:$array" --output=/dev/null --wrap "date +%s.%N > $out/dep")
if "$here/wait-job.sh" "$dep" 60 &&
    awk -v d="$(cat "$out/dep")" '{ if ($1 > d) exit 1 }' "$out"/end-*; then
    pass "afterok job $dep ran after the array"
else
    fail "afterok job $dep"
fi

bad=$(sbatch --parsable --output=/dev/null --wrap 'exit 3')
baddep=$(sbatch --parsable --dependency="afterok:$bad" --output=/dev/null --wrap true)
rc=0
"$here/wait-job.sh" "$bad" 60 2>/dev/null || rc=$?
expect 1 "$rc" "failing job: wait-job.sh exits 1"
rc=0
"$here/wait-job.sh" "$baddep" 60 2>/dev/null || rc=$?
expect 1 "$rc" "job depending on the failed job is cancelled"

slow=$(sbatch --parsable --output=/dev/null --wrap 'sleep 30')
rc=0
"$here/wait-job.sh" "$slow" 1 2>/dev/null || rc=$?
expect 2 "$rc" "wait-job.sh timeout: exits 2"
scancel "$slow"

# Restart on the kept state, pid files and logs.
"$here/down.sh"
if pid_alive "$CTLD_PID" slurmctld >/dev/null || pid_alive "$SLURMD_PID" slurmd >/dev/null ||
    pid_alive "$MUNGE_PID" munged >/dev/null; then
    fail "daemons still running after down.sh"
else
    pass "down.sh stopped the daemons"
fi
rc=0
"$here/down.sh" 2>/dev/null || rc=$?
expect 0 "$rc" "down.sh on a stopped cluster"
t=$(now)
eval "$("$here/up.sh")"
pass "restart up.sh ($(elapsed "$t") s)"
t=$(now)
job=$(sbatch --parsable --output=/dev/null --wrap true)
if "$here/wait-job.sh" "$job" 60; then
    pass "job after restart ($(elapsed "$t") s)"
else
    fail "job after restart"
fi

if ((failures)); then
    echo "selftest: $failures check(s) failed"
    exit 1
fi
echo "selftest: all checks passed"
