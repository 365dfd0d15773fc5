#!/usr/bin/env python3
"""The project's own NumPy reference for the simple LSTM trained with backpropagation through time.

A float64 implementation written from the equations in the README, one gate at a time in plain
NumPy, as a researcher would write it: `make bench` times it as "what a user runs in Python
today", and the tests train it from the same initial weights as `runner` to cross-check the Swift
core. It shares no code with the Swift implementation.

    xc(t) = [x(t), h(t-1)],  h(-1) = s(-1) = 0
    g = tanh(Wg xc + bg)   i = sigmoid(Wi xc + bi)   f = sigmoid(Wf xc + bf)   o = sigmoid(Wo xc + bo)
    s(t) = g*i + s(t-1)*f
    h(t) = s(t)*o  (cell output "identity", the default)   or   tanh(s(t))*o  ("tanh")
    loss = sum_t (h_0(t) - y(t))^2,  one plain gradient step per iteration: W <- W - lr * dL/dW

Usage:
    lstm_numpy.py [--hidden 100] [--input 50] [--iterations 100] [--lr 0.1] [--seed 0]
                  [--targets -0.5,0.2,0.1,-0.5] [--cell-output identity|tanh]
                  [--init FILE.json|FILE.npz] [--repeat N] [--json]

--init reads the initial weights (and, when present, the inputs `xs` [T, X] and targets `ys` [T])
from the JSON that `runner train --save-init` or `runner export --initial --format json` writes, or
from an .npz with the same arrays: wg, wi, wf, wo [H, X+H], bg, bi, bf, bo [H]. Without it the
weights are uniform in [-0.05, 0.05) and the inputs uniform in [0, 1), from NumPy's generator
seeded with --seed (not the same numbers as runner's own generator: that path is for timing).

Prints the loss of each iteration (its forward pass, before its update) and the median wall time
of the training loop over --repeat runs; --json prints {"losses", "predictions", "seconds"}.
"""
import argparse
import json
import sys
import time

import numpy as np

GATE_NAMES = ("g", "i", "f", "o")


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def load_problem(path, seed, targets):
    """Weights, inputs and targets from a --init file."""
    if path.endswith(".json"):
        with open(path) as handle:
            arrays = {key: np.asarray(value, dtype=np.float64) for key, value in json.load(handle).items()}
    else:
        with np.load(path) as archive:
            arrays = {key: np.asarray(archive[key], dtype=np.float64) for key in archive.files}
    weights = {name: arrays["w" + name].copy() for name in GATE_NAMES}
    biases = {name: arrays["b" + name].copy() for name in GATE_NAMES}
    hidden, width = weights["g"].shape
    if "ys" in arrays:
        targets = [float(y) for y in arrays["ys"].ravel()]
    if "xs" in arrays:
        inputs = [row.copy() for row in arrays["xs"]]
    else:
        generator = np.random.default_rng(seed)
        inputs = [generator.random(width - hidden) for _ in targets]
    return weights, biases, inputs, targets


def random_problem(hidden, input_size, seed, targets):
    """Weights uniform in [-0.05, 0.05), inputs uniform in [0, 1)."""
    generator = np.random.default_rng(seed)
    weights = {name: generator.random((hidden, input_size + hidden)) * 0.1 - 0.05 for name in GATE_NAMES}
    biases = {name: generator.random(hidden) * 0.1 - 0.05 for name in GATE_NAMES}
    inputs = [generator.random(input_size) for _ in targets]
    return weights, biases, inputs, targets


def forward(weights, biases, inputs, tanh_output):
    """Every step's activations, in order: (xc, g, i, f, o, s, s_prev, c) with c = s or tanh(s)."""
    hidden = biases["g"].shape[0]
    h = np.zeros(hidden)
    s = np.zeros(hidden)
    steps = []
    for x in inputs:
        xc = np.concatenate([x, h])
        g = np.tanh(np.dot(weights["g"], xc) + biases["g"])
        i = sigmoid(np.dot(weights["i"], xc) + biases["i"])
        f = sigmoid(np.dot(weights["f"], xc) + biases["f"])
        o = sigmoid(np.dot(weights["o"], xc) + biases["o"])
        s_prev = s
        s = g * i + s_prev * f
        c = np.tanh(s) if tanh_output else s
        h = c * o
        steps.append((xc, g, i, f, o, s, s_prev, c))
    return steps


def train(weights, biases, inputs, targets, iterations, lr, tanh_output):
    """Trains in place; returns the loss of every iteration's forward pass."""
    hidden = biases["g"].shape[0]
    input_size = weights["g"].shape[1] - hidden
    losses = []
    for _ in range(iterations):
        steps = forward(weights, biases, inputs, tanh_output)
        losses.append(float(sum((c[0] * o[0] - y) ** 2 for (_, _, _, _, o, _, _, c), y in zip(steps, targets))))
        d_weights = {name: np.zeros_like(weights[name]) for name in GATE_NAMES}
        d_biases = {name: np.zeros_like(biases[name]) for name in GATE_NAMES}
        dh_later = np.zeros(hidden)  # dL(t+1)/dh(t)
        ds_later = np.zeros(hidden)  # the cell state's gradient carried back through f
        for t in reversed(range(len(inputs))):
            xc, g, i, f, o, s, s_prev, c = steps[t]
            dh = dh_later.copy()
            dh[0] += 2.0 * (c[0] * o[0] - targets[t])
            do = c * dh
            dc = o * dh
            ds = (1.0 - c * c) * dc if tanh_output else dc
            ds = ds + ds_later
            pre = {
                "g": (1.0 - g * g) * (i * ds),
                "i": i * (1.0 - i) * (g * ds),
                "f": f * (1.0 - f) * (s_prev * ds),
                "o": o * (1.0 - o) * do,
            }
            dxc = np.zeros_like(xc)
            for name in GATE_NAMES:
                d_weights[name] += np.outer(pre[name], xc)
                d_biases[name] += pre[name]
                dxc += np.dot(weights[name].T, pre[name])
            dh_later = dxc[input_size:]
            ds_later = ds * f
        for name in GATE_NAMES:
            weights[name] -= lr * d_weights[name]
            biases[name] -= lr * d_biases[name]
    return losses


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--input", type=int, default=50)
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--lr", "--learning-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--targets", default="-0.5,0.2,0.1,-0.5")
    parser.add_argument("--cell-output", choices=("identity", "tanh"), default="identity")
    parser.add_argument("--init", help="initial weights (and inputs, targets) from a .json or .npz")
    parser.add_argument("--repeat", type=int, default=1, help="train this many times; report the median time")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    targets = [float(v) for v in args.targets.split(",")]
    if args.init:
        weights, biases, inputs, targets = load_problem(args.init, args.seed, targets)
    else:
        weights, biases, inputs, targets = random_problem(args.hidden, args.input, args.seed, targets)
    tanh_output = args.cell_output == "tanh"

    times = []
    for _ in range(max(1, args.repeat)):
        run_weights = {name: value.copy() for name, value in weights.items()}
        run_biases = {name: value.copy() for name, value in biases.items()}
        start = time.perf_counter()
        losses = train(run_weights, run_biases, inputs, targets, args.iterations, args.lr, tanh_output)
        times.append(time.perf_counter() - start)
    seconds = sorted(times)[len(times) // 2]
    steps = forward(run_weights, run_biases, inputs, tanh_output)
    predictions = [float(c[0] * o[0]) for (_, _, _, _, o, _, _, c) in steps]
    if args.json:
        json.dump({"losses": losses, "predictions": predictions, "seconds": seconds}, sys.stdout)
        print()
    else:
        for n, loss in enumerate(losses, 1):
            print(f"iteration {n:4d}  loss {loss!r}")
        print(f"seconds {seconds:.6f}")


if __name__ == "__main__":
    main()
