"""Calibrate the band of "Random init, learning rate 0: initial cross-entropy" (CMU 10-601).

With learning rate 0 the first epoch changes nothing, so the cross-entropy the program
writes for epoch 1 is that of its initial weights: about log(10) for weights drawn from
U[-0.1, 0.1] (the homework's rule), far above for N(0, 1). This runs the reference's
``init_weights`` and ``mean_cross_entropy`` on the medium training split with 50 hidden
units after ``np.random.seed(seed)`` for seeds 0..N-1, then the same with the weights
drawn from other rules a student might use, and prints min, mean and max of each.

Run: ``.venv/bin/python bench/calibrate_cmu_init.py [--seeds 100]`` from the repository root.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reference.cmu10601_hw5 import neuralnet  # noqa: E402

DATA = ROOT / "testcases" / "cmu10601_hw5" / "data" / "medium_train.csv"
HIDDEN = 50
Draw = Callable[[tuple[int, int]], np.ndarray]
RULES: dict[str, Draw] = {
    "U[-0.1, 0.1] (the rule)": lambda shape: np.random.uniform(-0.1, 0.1, size=shape),
    "U[-0.1, 0.1] via default_rng": lambda shape: np.random.default_rng().uniform(-0.1, 0.1, shape),
    "N(0, 1)": lambda shape: np.random.normal(0.0, 1.0, size=shape),
    "N(0, 0.1)": lambda shape: np.random.normal(0.0, 0.1, size=shape),
    "U[-1, 1]": lambda shape: np.random.uniform(-1.0, 1.0, size=shape),
    "U[0, 0.1]": lambda shape: np.random.uniform(0.0, 0.1, size=shape),
}


def initial_ce(X1: np.ndarray, y: np.ndarray, draw: Draw, seed: int) -> float:
    np.random.seed(seed)
    alpha = np.zeros((HIDDEN, X1.shape[1]))
    beta = np.zeros((neuralnet.NUM_CLASSES, HIDDEN + 1))
    alpha[:, 1:] = draw((HIDDEN, X1.shape[1] - 1))
    beta[:, 1:] = draw((neuralnet.NUM_CLASSES, HIDDEN))
    return neuralnet.mean_cross_entropy(X1, y, alpha, beta)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=100)
    args = parser.parse_args()
    X1, y = neuralnet.load_data(DATA)
    for name, draw in RULES.items():
        seeds = args.seeds if "rule" in name or "default_rng" in name else min(args.seeds, 20)
        values = [initial_ce(X1, y, draw, s) for s in range(seeds)]
        print(
            f"{name:<32} min {min(values):.4f} mean {np.mean(values):.4f} "
            f"max {max(values):.4f} over {seeds} seeds"
        )


if __name__ == "__main__":
    main()
