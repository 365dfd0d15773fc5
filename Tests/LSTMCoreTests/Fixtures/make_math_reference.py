#!/usr/bin/env python3
"""Writes math_reference.json: high-precision reference values for DeterministicMathTests.

Usage (from the package root):

    python3 Tests/LSTMCoreTests/Fixtures/make_math_reference.py

Each case holds the argument `x`, the correctly rounded result `y` and `tail`, the double nearest
to `exact - y`, all as 64-bit IEEE-754 bit patterns in hex, so a test can measure its error in ulps
as `((result - y) - tail) / ulp(y)` without decimal parsing. The exact values come from mpmath at
120 significant digits. The arguments are fixed by the seed below: rerunning the script reproduces
the file byte for byte.
"""

import json
import math
import random
import struct
from pathlib import Path

import mpmath

mpmath.mp.dps = 120
SEED = 20240607
PER_FUNCTION = 64


def bits(x: float) -> str:
    return "0x%016x" % struct.unpack("<Q", struct.pack("<d", x))[0]


def from_bits(b: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


FUNCTIONS = {
    "exp": mpmath.exp,
    "expm1": mpmath.expm1,
    "tanh": mpmath.tanh,
    "sigmoid": sigmoid,
    "log": mpmath.log,
    "sin": mpmath.sin,
    "cos": mpmath.cos,
}


def arguments(name: str, rng: random.Random) -> list[float]:
    u = rng.uniform
    if name == "exp":
        fixed = [1.0, -1.0, 0.5, 700.0, 709.78, -708.0, -740.0, 1e-9, -3.0e-5]
        drawn = [u(-5, 5) for _ in range(25)] + [u(-745, 709.7) for _ in range(30)]
    elif name == "expm1":
        fixed = [1e-10, -1e-10, 0.3, -0.3, 1.0, -1.0, 30.0, 45.0, -30.0]
        drawn = [u(-1, 1) for _ in range(25)] + [u(-40, 40) for _ in range(30)]
    elif name == "tanh":
        fixed = [1e-9, 0.5, -0.5, 1.0, -1.0, 3.0, 10.0, 19.0, -21.9]
        drawn = [u(-1, 1) for _ in range(25)] + [u(-23, 23) for _ in range(30)]
    elif name == "sigmoid":
        fixed = [0.5, -0.5, 5.0, -5.0, 20.0, -20.0, 36.0, -700.0, -709.0]
        drawn = [u(-5, 5) for _ in range(35)] + [u(-40, 40) for _ in range(20)]
    elif name == "log":
        fixed = [2.0, 0.5, 10.0, 1.0 + 2.0**-30, 1.0 - 2.0**-30, 5e-324, 2.2e-310, 1e300, 1.7976931348623157e308]
        drawn = [u(0.5, 2) for _ in range(20)] + [u(1 - 1e-3, 1 + 1e-3) for _ in range(10)]
        drawn += [math.ldexp(u(1, 2), rng.randint(-1060, 1020)) for _ in range(25)]
    elif name in ("sin", "cos"):
        # Doubles nearest to multiples of pi/2 stress the reduction's cancellation paths.
        fixed = [float(mpmath.mpf(k) * mpmath.pi / 2) for k in (1, 2, 3, 4, 7, 31, 32, 33, 1000, 1_000_000)]
        drawn = [u(-3.2, 3.2) for _ in range(24)] + [u(-100, 100) for _ in range(15)]
        drawn += [u(-1_647_000, 1_647_000) for _ in range(15)]
    else:
        raise ValueError(name)
    values = fixed + drawn
    assert len(values) == PER_FUNCTION, (name, len(values))
    return values


def case(name: str, x: float) -> dict:
    exact = FUNCTIONS[name](mpmath.mpf(x))
    y = float(exact)  # mpmath rounds to nearest
    tail = float(exact - mpmath.mpf(y))
    return {"function": name, "x": bits(x), "y": bits(y), "tail": bits(tail)}


def main() -> None:
    rng = random.Random(SEED)
    cases = [case(name, x) for name in FUNCTIONS for x in arguments(name, rng)]
    header = {
        "generator": "Tests/LSTMCoreTests/Fixtures/make_math_reference.py",
        "mpmath": mpmath.__version__,
        "digits": mpmath.mp.dps,
    }
    # One case a line keeps the file short and its diffs readable.
    lines = ["{"] + [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in header.items()] + [' "cases": [']
    lines += ["  " + json.dumps(c) + ("," if i + 1 < len(cases) else "") for i, c in enumerate(cases)]
    lines += [" ]", "}", ""]
    path = Path(__file__).with_name("math_reference.json")
    path.write_text("\n".join(lines))
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
