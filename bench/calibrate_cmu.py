"""Calibrate the error-rate thresholds of "Random init, medium data, 20 epochs" (CMU 10-601).

The program's random initial weights are its only randomness (its SGD visits the
examples in file order). This trains the reference network (50 hidden units, learning
rate 0.01, 20 epochs, medium data) with its initial weights drawn from U[-0.1, 0.1] in
three ways a correct program may draw them (``np.random.uniform``, the reference's;
``default_rng(seed).uniform``; ``random.Random(seed).uniform`` one by one;
``np.random.rand(...) * 0.2 - 0.1`` gives the same weights as the first, so it is not
repeated), for seeds 0..N-1, and prints for each
way the training, validation and hidden-test error rates against the YAML's
thresholds. Then the same for bug variants: weights from N(0, 1) and U[-1, 1] (caught
by the learning-rate-0 test; shown here for their error rates), and a program that
trains on the first tenth of the data only.

Run: ``.venv/bin/python bench/calibrate_cmu.py [--seeds 20]`` from the repository root.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.threshold import way_summary  # noqa: E402
from reference.cmu10601_hw5 import neuralnet  # noqa: E402

ASSIGNMENT = ROOT / "testcases" / "cmu10601_hw5"
DATA = ASSIGNMENT / "data"
HIDDEN, EPOCHS, LRATE = 50, 20, 0.01
Shape = tuple[int, int]
Draw = Callable[[Shape], np.ndarray]  # one weight matrix of a shape; called alpha first
Way = Callable[[int], Draw]  # the draws of one seed


def _python_uniform(rng: random.Random, shape: Shape) -> np.ndarray:
    return np.array([[rng.uniform(-0.1, 0.1) for _ in range(shape[1])] for _ in range(shape[0])])


def ways() -> dict[str, Way]:
    """For each way, a function of the seed giving the draw of one weight matrix."""

    def legacy(seed: int) -> Draw:
        np.random.seed(seed)
        return lambda shape: np.random.uniform(-0.1, 0.1, size=shape)

    def generator(seed: int) -> Draw:
        rng = np.random.default_rng(seed)
        return lambda shape: rng.uniform(-0.1, 0.1, shape)

    def python(seed: int) -> Draw:
        rng = random.Random(seed)
        return lambda shape: _python_uniform(rng, shape)

    return {
        "reference: np.random.uniform": legacy,
        "default_rng(seed).uniform": generator,
        "random.Random(seed).uniform, one by one": python,
    }


def standard_normal(seed: int) -> Draw:
    rng = np.random.default_rng(seed)
    return lambda shape: rng.normal(0.0, 1.0, shape)


def uniform_one(seed: int) -> Draw:
    rng = np.random.default_rng(seed)
    return lambda shape: rng.uniform(-1.0, 1.0, shape)


def errors(
    draw: Draw,
    data: dict[str, tuple[np.ndarray, np.ndarray]],
    share: float = 1.0,
) -> tuple[float, float, float]:
    """Train with the initial weights from ``draw`` on the first ``share`` of the
    training data; the training, validation and hidden-test error rates."""
    X1, y = data["train"]
    rows = int(len(y) * share)
    alpha = np.zeros((HIDDEN, X1.shape[1]))
    beta = np.zeros((neuralnet.NUM_CLASSES, HIDDEN + 1))
    alpha[:, 1:] = draw((HIDDEN, X1.shape[1] - 1))
    beta[:, 1:] = draw((neuralnet.NUM_CLASSES, HIDDEN))
    with np.errstate(all="ignore"):
        for _ in range(EPOCHS):
            alpha, beta = neuralnet.sgd_epoch(X1[:rows], y[:rows], alpha, beta, LRATE)
    rates = []
    for split in ("train", "validation", "test"):
        X, labels = data[split]
        rates.append(float(np.mean(neuralnet.predict(X, alpha, beta) != labels)))
    return rates[0], rates[1], rates[2]


def thresholds() -> tuple[float, float, float]:
    """The ``max`` of the training, validation and hidden-test error checks in the YAML."""
    spec = yaml.safe_load((ASSIGNMENT / "assignment.yaml").read_text())
    bounds = [
        float(c["max"])
        for t in spec["tests"]
        if t["name"].startswith("Random init, medium data")
        for c in t["checks"]
        if c.get("metric") in ("error_rate", "hidden_error_rate")
    ]
    return bounds[0], bounds[1], bounds[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--bug-seeds", type=int, default=5)
    args = parser.parse_args()
    X_test, _ = neuralnet.load_data(DATA / "test_inputs.csv")
    data = {
        "train": neuralnet.load_data(DATA / "medium_train.csv"),
        "validation": neuralnet.load_data(DATA / "medium_validation.csv"),
        "test": (X_test, np.load(DATA / "test_labels.npy", allow_pickle=False)),
    }
    bounds = thresholds()
    print(f"thresholds (max): train {bounds[0]}, validation {bounds[1]}, hidden test {bounds[2]}")
    start, count = time.perf_counter(), 0
    for name, way in ways().items():
        runs = [errors(way(seed), data) for seed in range(args.seeds)]
        count += len(runs)
        for k, split in enumerate(("train", "validation", "hidden test")):
            values = [r[k] for r in runs]
            print(way_summary(f"{name}: {split}", values, bounds[k], upper=True))
    print(f"{(time.perf_counter() - start) / count:.2f} s per training")
    bugs: list[tuple[str, Way, float]] = [  # name, initial weights, share of the data
        ("weights from N(0, 1)", standard_normal, 1.0),
        ("weights from U[-1, 1]", uniform_one, 1.0),
        ("first tenth of the data only", ways()["reference: np.random.uniform"], 0.1),
    ]
    for name, way, share in bugs:
        runs = [errors(way(seed), data, share) for seed in range(args.bug_seeds)]
        best = [min(r[k] for r in runs) for k in range(3)]
        caught = [b > bound for b, bound in zip(best, bounds, strict=True)]
        print(
            f"bug {name!r}: best train {best[0]:.3f}, validation {best[1]:.3f}, "
            f"hidden test {best[2]:.3f}; checks that fail on every seed: {sum(caught)} of 3"
        )


if __name__ == "__main__":
    main()
