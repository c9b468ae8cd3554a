"""Write the toy network fixture ``test_batch_weights_biases.pkl`` for CS189 HW2.

The pickle holds the tuple ``(X_batch, y_batch, weight_matrices, biases)`` for a
network with layer dims [4, 2, 1] (ReLU hidden layer, sigmoid output):

- ``X_batch``: 10 x 4 float64, standard normal;
- ``y_batch``: 10 x 1 float64 of 0.0 / 1.0, both classes present;
- ``weight_matrices``: [4 x 2, 2 x 1], normal with standard deviation 0.5;
- ``biases``: [1 x 2, 1 x 1], normal with standard deviation 0.1 (non-zero).

Draws come from ``np.random.default_rng(189)`` and are repeated (from the same
generator, so still deterministic) until every hidden unit has both positive and
negative pre-activations on the batch, so that a wrong ReLU derivative shows.

Run from anywhere: ``python testcases/cs189_hw2/data/make_toy_pickle.py``.
"""

from __future__ import annotations

import pickle
from itertools import pairwise
from pathlib import Path

import numpy as np

SEED = 189
LAYER_DIMS = [4, 2, 1]
N = 10
OUT = Path(__file__).resolve().parent / "test_batch_weights_biases.pkl"

ToyData = tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]


def _acceptable(X: np.ndarray, y: np.ndarray, Ws: list[np.ndarray], bs: list[np.ndarray]) -> bool:
    """Both classes present; each hidden unit is active on some rows and dead on others."""
    hidden = X @ Ws[0] + bs[0]
    both_signs = bool(np.all((hidden > 0).any(axis=0)) and np.all((hidden < 0).any(axis=0)))
    return both_signs and 0.0 < float(y.mean()) < 1.0


def make_toy(seed: int = SEED) -> ToyData:
    """Draw the toy batch and parameters deterministically from ``seed``."""
    rng = np.random.default_rng(seed)
    while True:
        X = rng.normal(size=(N, LAYER_DIMS[0]))
        y = rng.integers(0, 2, size=(N, 1)).astype(np.float64)
        Ws = [rng.normal(0.0, 0.5, size=(a, b)) for a, b in pairwise(LAYER_DIMS)]
        bs = [rng.normal(0.0, 0.1, size=(1, d)) for d in LAYER_DIMS[1:]]
        if _acceptable(X, y, Ws, bs):
            return X, y, Ws, bs


def main() -> None:
    """Write the pickle next to this script and print a summary."""
    toy = make_toy()
    with OUT.open("wb") as fh:
        pickle.dump(toy, fh, protocol=4)
    X, y, Ws, bs = toy
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    print(f"X {X.shape}, y {y.shape} with {int(y.sum())} ones")
    print("W shapes", [W.shape for W in Ws], "b shapes", [b.shape for b in bs])
    print("hidden pre-activations:\n", X @ Ws[0] + bs[0])


if __name__ == "__main__":
    main()
