#!/usr/bin/env bash
# Regenerates the LSTMCore test fixtures. Run from the repository root after `swift build`:
#   bash Tests/LSTMCoreTests/Fixtures/make_fixtures.sh
# The initial weights come from the project's own seeded generator (`runner train --save-init`);
# every expected number comes from an independent implementation: the NumPy reference
# (scripts/reference/lstm_numpy.py, written from the README's equations) for loss curves, mpmath at 60 digits for the tiny cell.
set -euo pipefail
here=Tests/LSTMCoreTests/Fixtures
runner=${RUNNER:-.build/debug/runner}
reference=scripts/reference/lstm_numpy.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The reference problem, seed 0: NumPy's loss curve over 100 iterations for both cell outputs.
"$runner" train --seed 0 --iterations 1 --save-init "$tmp/seed0.json" >/dev/null
for output in identity tanh; do
    python3 "$reference" --init "$tmp/seed0.json" --cell-output "$output" --json |
        python3 -c 'import json,sys; print(json.dumps({"losses": json.load(sys.stdin)["losses"]}))' \
            >"$here/numpy-seed0-$output.json"
done

# The tiny cell (H=2, X=3, T=2): its initial state, and golden values from mpmath.
"$runner" train --hidden 2 --input 3 --targets 0.3,-0.2 --seed 5 --iterations 1 \
    --save-init "$here/tiny-init.json" >/dev/null
python3 "$here/make_tiny_golden.py" "$here/tiny-init.json" >"$here/tiny-golden.json"
