#!/usr/bin/env python3
"""Writes experiments/data/example-dataset.npz, the small classification dataset that
experiments/dataset-example.json trains on (the `dataset` task's .npz form).

Each of N = 500 sequences has T = 20 steps of X = 3 inputs drawn from a standard normal
distribution; its label is the channel whose inputs have the largest sum over the sequence
(K = 3 classes, scored at the last step). The network has to accumulate three running sums
and compare them at the end.

    x: [500, 20, 3] float64      y: [500] int64 in 0..<3

Run from the package root: python3 scripts/make-dataset-example.py (numpy only; a fixed seed,
so the file is the same each time with a given numpy; its SHA-256 goes into every run's config).
"""

import os

import numpy

SEQUENCES, STEPS, INPUTS = 500, 20, 3


def main():
    generator = numpy.random.default_rng(20240601)
    x = generator.standard_normal((SEQUENCES, STEPS, INPUTS))
    y = numpy.argmax(x.sum(axis=1), axis=1).astype(numpy.int64)
    path = os.path.join("experiments", "data", "example-dataset.npz")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    numpy.savez(path, x=x, y=y)
    print(f"wrote {path}: x {x.shape}, y {y.shape}, classes {numpy.bincount(y).tolist()}")


if __name__ == "__main__":
    main()
