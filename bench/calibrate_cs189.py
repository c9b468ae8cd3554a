"""Calibrate the accuracy threshold of "train_network on MNIST 3 vs 9" (CS189 HW2).

Trains the reference training loop on ``X_train / 255`` with layer dims [784, 200, 1],
batch 100, step 0.1, 5 epochs, for seeds 0..N-1, in each of five ways a correct solution
may draw its random numbers (the reference's: the legacy generator for the weights and
``default_rng(seed)`` for the orders; one ``default_rng`` for both;
``np.random.permutation``; ``np.random.shuffle`` in place; ``random.Random(seed).shuffle``),
with a local copy of the loop checked to match the reference bit for bit. Reports per way
the worst, second worst and mean test accuracy against the YAML's threshold, and the
worst median of three consecutive seeds (the test holds the median of seeds 0, 1 and 2).
Then trains three classic bug variants: no shuffling, step size 0.001, gradients summed
instead of averaged, with their best median of three.

Run: ``python bench/calibrate_cs189.py [--seeds 150]`` from the repository root.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.threshold import medians_of_three, proposed_threshold, way_summary  # noqa: E402
from reference.cs189_hw2 import hw2, load_mnist_3v9  # noqa: E402

DATA = ROOT / "testcases" / "cs189_hw2" / "data"
LAYER_DIMS = [784, 200, 1]
MARGIN = 0.015
TRAIN_TEST = "train_network on MNIST 3 vs 9"


def load_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """X_train/255, y_train, X_test/255, y_test as float64."""
    d = load_mnist_3v9(DATA)
    return (
        d["X_train"] / 255.0,
        d["y_train"].astype(np.float64),
        d["X_test"] / 255.0,
        d["y_test"].astype(np.float64),
    )


class Way:
    """One way a correct solution may draw its random numbers from ``seed``: the initial
    weights (N(0, 0.01^2), the homework's rule) and the order of each epoch."""

    def __init__(self, seed: int) -> None:
        np.random.seed(seed)
        self.rng = np.random.default_rng(seed)
        self.py = random.Random(seed)

    def weights(self) -> list[np.ndarray]:
        return hw2.create_weight_matrices(LAYER_DIMS)

    def order(self, n: int) -> np.ndarray:
        return self.rng.permutation(n)


class OneGenerator(Way):
    """``rng = np.random.default_rng(seed)`` draws the weights and the orders."""

    def weights(self) -> list[np.ndarray]:
        return [self.rng.normal(0.0, 0.01, (a, b)) for a, b in pairwise(LAYER_DIMS)]


class LegacyPermutation(Way):
    """``np.random.seed(seed)``, then ``np.random.permutation`` for every epoch."""

    def order(self, n: int) -> np.ndarray:
        return np.random.permutation(n)


class LegacyShuffle(Way):
    """``np.random.shuffle`` of one index array, in place, every epoch."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.index: np.ndarray | None = None

    def order(self, n: int) -> np.ndarray:
        if self.index is None:
            self.index = np.arange(n)
        np.random.shuffle(self.index)
        return self.index.copy()


class PythonShuffle(Way):
    """``random.Random(seed).shuffle`` of a list of indices every epoch."""

    def order(self, n: int) -> np.ndarray:
        index = list(range(n))
        self.py.shuffle(index)
        return np.asarray(index)


class Unshuffled(Way):
    """A bug: the same order every epoch."""

    def order(self, n: int) -> np.ndarray:
        return np.arange(n)


WAYS: dict[str, type[Way]] = {
    "reference: legacy init, default_rng orders": Way,
    "one default_rng for both": OneGenerator,
    "legacy init, np.random.permutation": LegacyPermutation,
    "legacy init, np.random.shuffle in place": LegacyShuffle,
    "legacy init, random.Random(seed).shuffle": PythonShuffle,
}


def train_variant(
    X: np.ndarray,
    y: np.ndarray,
    *,
    seed: int = 0,
    way: type[Way] = Way,
    step_size: float = 0.1,
    average: bool = True,
    batch_size: int = 100,
    epochs: int = 5,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The reference training loop with the randomness drawn ``way`` and switchable bugs."""
    draw = way(seed)
    Ws = draw.weights()
    bs = hw2.create_bias_vectors(LAYER_DIMS)
    activations = [hw2.relu_activation, hw2.sigmoid_activation]
    n = X.shape[0]
    for _ in range(epochs):
        order = draw.order(n)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            g, caches = hw2.forward_pass(X[batch], Ws, bs, activations)
            _, dL_dg = hw2.logistic_loss(g, y[batch])
            grad_Ws, grad_bs = hw2.backward_pass(dL_dg, caches)
            scale = step_size * (1 if average else len(batch))
            for W, b, grad_W, grad_b in zip(Ws, bs, grad_Ws, grad_bs, strict=True):
                W -= scale * grad_W
                b -= scale * grad_b
    return Ws, bs


def yaml_threshold() -> float:
    """The ``min`` of the training test's metric check in assignment.yaml."""
    spec = yaml.safe_load((ROOT / "testcases" / "cs189_hw2" / "assignment.yaml").read_text())
    test = next(t for t in spec["tests"] if t["name"] == TRAIN_TEST)
    return float(next(c["min"] for c in test["checks"] if "metric" in c))


def accuracy(
    X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray, seed: int, **variant: Any
) -> float:
    """Train with ``seed`` and the ``variant``'s keywords; the test accuracy."""
    with np.errstate(all="ignore"):
        Ws, bs = train_variant(X, y, seed=seed, **variant)
    return hw2.binary_accuracy(Ws, bs, X_test, y_test)


def main() -> None:
    """Run the calibration and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30, help="seeds 0..N-1 for every way")
    parser.add_argument("--bug-seeds", type=int, default=9, help="bug-variant seeds 0..N-1")
    args = parser.parse_args()
    X_train, y_train, X_test, y_test = load_data()
    threshold = yaml_threshold()
    print(f"train {X_train.shape}, test {X_test.shape}; the YAML's threshold {threshold}")

    Ws, bs = train_variant(X_train, y_train, seed=0)
    ref_Ws, ref_bs = hw2.train_network(X_train, y_train, LAYER_DIMS, seed=0)
    same = all(np.array_equal(a, b) for a, b in zip(Ws + bs, ref_Ws + ref_bs, strict=True))
    print(f"local loop reproduces reference train_network exactly: {same}")
    if not same:
        raise SystemExit("the local training loop drifted from the reference")

    start = time.perf_counter()
    every: list[float] = []
    for name, way in WAYS.items():
        values = [accuracy(X_train, y_train, X_test, y_test, s, way=way) for s in range(args.seeds)]
        every += values
        print(way_summary(name, values, threshold))
        print(
            f"{'':<48} medians of seeds (0-2, 3-5, ...): worst {min(medians_of_three(values)):.4f}"
        )
    seconds = (time.perf_counter() - start) / (len(WAYS) * args.seeds)
    print(f"all ways: min {min(every):.4f} over {len(every)} trainings, {seconds:.2f} s each")
    print(f"proposed threshold for one run: {proposed_threshold(min(every), MARGIN):.3f}")

    bugs = {
        "no shuffling": {"way": Unshuffled},
        "step size 0.001": {"step_size": 0.001},
        "gradients summed not averaged": {"average": False},
    }
    for name, bug in bugs.items():
        values = [
            accuracy(X_train, y_train, X_test, y_test, s, **bug) for s in range(args.bug_seeds)
        ]
        best = max(medians_of_three(values))
        verdict = "PASSES (!)" if best >= threshold else "fails"
        print(
            f"bug {name!r}: max {max(values):.4f}, best median of three {best:.4f} "
            f"(margin {threshold - best:+.4f}) -> {verdict}"
        )


if __name__ == "__main__":
    main()
