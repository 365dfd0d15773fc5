#!/usr/bin/env python3
"""Golden values for the tiny cell, computed independently of the Swift code.

Reads an init file (wg, wi, wf, wo, bg, bi, bf, bo, xs, ys) and prints, for both cell outputs,
the loss sum_t (h_0(t) - y(t))^2 and its gradient by every parameter. Everything is computed
with mpmath at 60 significant digits; the gradient by central differences with step 1e-25
(truncation error ~1e-50, far below double precision), so it checks the backward pass without
sharing its derivation. Also the loss curve of 3 SGD steps (lr 0.1) using those gradients.

Usage: make_tiny_golden.py tiny-init.json > tiny-golden.json
"""
import json
import sys

import mpmath as mp

mp.mp.dps = 60
GATES = "gifo"


def forward(params, xs, ys, cell_output):
    hidden = len(params["bg"])
    h = [mp.mpf(0)] * hidden
    s = [mp.mpf(0)] * hidden
    loss = mp.mpf(0)
    for x, y in zip(xs, ys):
        xc = list(x) + h
        z = {k: [params["b" + k][r] + mp.fsum(params["w" + k][r][c] * xc[c] for c in range(len(xc)))
                 for r in range(hidden)] for k in GATES}
        g = [mp.tanh(v) for v in z["g"]]
        i, f, o = ([1 / (1 + mp.exp(-v)) for v in z[k]] for k in "ifo")
        s = [g[j] * i[j] + s[j] * f[j] for j in range(hidden)]
        a = [mp.tanh(v) for v in s] if cell_output == "tanh" else s
        h = [a[j] * o[j] for j in range(hidden)]
        loss += (h[0] - y) ** 2
    return loss


def gradient(params, xs, ys, cell_output, step=mp.mpf("1e-25")):
    grads = {}
    for key, value in params.items():
        if key.startswith("w"):
            grads[key] = [[None] * len(row) for row in value]
            cells = [(r, c) for r in range(len(value)) for c in range(len(value[0]))]
        else:
            grads[key] = [None] * len(value)
            cells = [(r, None) for r in range(len(value))]
        for r, c in cells:
            def shifted(delta):
                copy = {k: [list(row) if isinstance(row, list) else row for row in v] for k, v in params.items()}
                if c is None:
                    copy[key][r] += delta
                else:
                    copy[key][r][c] += delta
                return forward(copy, xs, ys, cell_output)
            d = (shifted(step) - shifted(-step)) / (2 * step)
            if c is None:
                grads[key][r] = d
            else:
                grads[key][r][c] = d
    return grads


def as_text(value):
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    return mp.nstr(value, 25)


def main():
    with open(sys.argv[1]) as handle:
        raw = json.load(handle)
    params = {k: ([[mp.mpf(repr(v)) for v in row] for row in raw[k]] if k.startswith("w") else
                  [mp.mpf(repr(v)) for v in raw[k]]) for k in [p + g for p in "wb" for g in GATES]}
    xs = [[mp.mpf(repr(v)) for v in row] for row in raw["xs"]]
    ys = [mp.mpf(repr(v)) for v in raw["ys"]]
    out = {}
    for cell_output in ("identity", "tanh"):
        loss = forward(params, xs, ys, cell_output)
        grads = gradient(params, xs, ys, cell_output)
        # Three SGD steps in exact arithmetic (60 digits), for the loss curve.
        curve = []
        work = params
        for _ in range(3):
            curve.append(forward(work, xs, ys, cell_output))
            g = gradient(work, xs, ys, cell_output)
            work = {k: ([[w - mp.mpf("0.1") * d for w, d in zip(row, drow)] for row, drow in zip(v, g[k])]
                        if k.startswith("w") else [w - mp.mpf("0.1") * d for w, d in zip(v, g[k])])
                    for k, v in work.items()}
        out[cell_output] = {"loss": as_text(loss), "gradient": as_text(grads), "sgdLosses": as_text(curve)}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
