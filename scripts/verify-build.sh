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
# Experiments: without clipping (plain SGD then takes the fused update, the headline kernel)
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
# A third: the batched path of minibatch training (dense and one-hot inputs, mse and cross-entropy,
# validation passes, streams and a fixed set shuffled into batches).
cat >"$work/verify-build-minibatch.json" <<SPEC
{
  "name": "verify-build-minibatch",
  "description": "Minibatches: adding (mse, dense inputs) and copy-memory (cross-entropy, one-hot), streamed and fixed.",
  "task": { "plugin": "adding", "sequenceLength": 12 },
  "model": { "hiddenSize": 19, "cellOutput": "tanh" },
  "training": { "iterations": 30, "batchSize": 6, "loss": "mse", "optimizer": "rmsprop", "learningRate": 0.01, "clipNorm": 1.0 },
  "evaluation": { "every": 10, "samples": 40 },
  "sweep": {
    "training.optimizer": ["rmsprop", "adam", "sgd"],
    "model.cellOutput": ["identity", "tanh"]
  }
}
SPEC
cat >"$work/verify-build-classes.json" <<SPEC
{
  "name": "verify-build-classes",
  "description": "Minibatches of one-hot inputs and cross-entropy, a fixed set of 20 shuffled into batches of 6.",
  "task": { "plugin": "copy-memory", "delay": 4, "length": 3, "samples": 20 },
  "model": { "hiddenSize": 17 },
  "training": { "iterations": 30, "batchSize": 6, "loss": "cross-entropy", "optimizer": "adam", "learningRate": 0.01 },
  "evaluation": { "every": 10, "samples": 40 },
  "sweep": { "model.cellOutput": ["identity", "tanh"] }
}
SPEC
cd "$work"
experiments="verify-build.json verify-build-clipped.json verify-build-minibatch.json verify-build-classes.json"
"$debug" run $experiments --db debug.sqlite --quiet >/dev/null
"$release" run $experiments --db release.sqlite --quiet >/dev/null
query='SELECT id, status, checkpoint_sha256, curve_sha256, quote(validation_loss), quote(test_loss) FROM runs ORDER BY id'
sqlite3 debug.sqlite "$query" >debug.txt
sqlite3 release.sqlite "$query" >release.txt
if ! diff -u debug.txt release.txt; then
    echo "verify-build: the debug and release builds trained different bits (diff above)" >&2
    exit 1
fi
runs=$(wc -l <debug.txt)
# Cross-check: each build re-trains the other's recorded runs.
for experiment in verify-build verify-build-clipped verify-build-minibatch verify-build-classes; do
    "$release" verify "$experiment" --db debug.sqlite | tail -n 1
    "$debug" verify "$experiment" --db release.sqlite | tail -n 1
done
echo "verify-build: $runs runs identical in the debug ($("$debug" show "$(head -c 12 debug.txt)" --db debug.sqlite | sed -n 's/^build *//p')) and release ($("$release" show "$(head -c 12 release.txt)" --db release.sqlite | sed -n 's/^build *//p')) builds"
