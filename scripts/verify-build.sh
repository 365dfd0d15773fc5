#!/usr/bin/env bash
# verify-build.sh DEBUG_RUNNER RELEASE_RUNNER
#
# Checks the bit-identical guarantee across builds: trains the same small sweep with a debug and
# a release build of `runner`, into two databases, and compares every run's loss-curve digest and
# final-payload digest; then has each build verify the other's runs. Exit 0 when all agree.
set -euo pipefail
debug=$(realpath "$1")
release=$(realpath "$2")
work=$(mktemp -d /tmp/lstm-verify-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
# Two experiments: without clipping (plain SGD then takes the fused update, the headline kernel)
# and with it (the separate gradient buffer and the clipped step), each over every cell output,
# loss and optimizer.
for clip in none 5.0; do
    if [ "$clip" = none ]; then name=verify-build clipping=""; else name=verify-build-clipped clipping=", \"clipNorm\": $clip"; fi
    cat >"$work/$name.json" <<SPEC
{
  "name": "$name",
  "description": "Both cell outputs, both losses, three optimizers (clipNorm: $clip).",
  "task": { "plugin": "sequence", "inputSize": 20, "targets": [-0.5, 0.2, 0.1, -0.5] },
  "model": { "hiddenSize": 37 },
  "training": { "iterations": 40, "learningRate": 0.05$clipping },
  "sweep": {
    "model.cellOutput": ["identity", "tanh"],
    "training.loss": ["h0-squared", "mse-readout"],
    "training.optimizer": ["sgd", "momentum", "adam"]
  }
}
SPEC
done
cd "$work"
"$debug" run verify-build.json verify-build-clipped.json --db debug.sqlite --quiet >/dev/null
"$release" run verify-build.json verify-build-clipped.json --db release.sqlite --quiet >/dev/null
query='SELECT id, status, checkpoint_sha256, curve_sha256 FROM runs ORDER BY id'
sqlite3 debug.sqlite "$query" >debug.txt
sqlite3 release.sqlite "$query" >release.txt
if ! diff -u debug.txt release.txt; then
    echo "verify-build: the debug and release builds trained different bits (diff above)" >&2
    exit 1
fi
runs=$(wc -l <debug.txt)
# Cross-check: each build re-trains the other's recorded runs.
for experiment in verify-build verify-build-clipped; do
    "$release" verify "$experiment" --db debug.sqlite | tail -n 1
    "$debug" verify "$experiment" --db release.sqlite | tail -n 1
done
echo "verify-build: $runs runs identical in the debug ($("$debug" show "$(head -c 12 debug.txt)" --db debug.sqlite | sed -n 's/^build *//p')) and release ($("$release" show "$(head -c 12 release.txt)" --db release.sqlite | sed -n 's/^build *//p')) builds"
