#!/usr/bin/env bash
# Records this folder's fixture database with the runner at hand (run from the repository root):
#   bash Tests/RunnerKitTests/Fixtures/recorded-v2/make.sh
# Made on 2026-12-01 by the code of commit 9593f43 (schema version 2, debug build). Do not regenerate it when
# the code changes: the test (RecordedDatabaseTests) proves that runs recorded by that version still
# open, keep their run ids and verify identical with the code of today.
set -euo pipefail
here=Tests/RunnerKitTests/Fixtures/recorded-v2
runner=${RUNNER:-.build/debug/runner}
rm -rf "$here/runs.sqlite" "$here/checkpoints"
"$runner" run "$here/sequence.json" "$here/tasks.json" --db "$here/runs.sqlite" --jobs 1 --quiet
# One file, no -wal or -shm beside it.
sqlite3 "$here/runs.sqlite" 'PRAGMA journal_mode = DELETE;' >/dev/null
