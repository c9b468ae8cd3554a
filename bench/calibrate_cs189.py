"""Calibrate the accuracy threshold of "train_network on MNIST 3 vs 9" (CS189 HW2).

Trains the reference ``train_network`` on ``X_train / 255`` with layer dims [784, 200, 1],
batch 100, step 0.1, 5 epochs, for seeds 0..9, and reports the test accuracy per seed,
min/mean/max and the wall time per training. Then trains three classic bug variants
with a local copy of the training loop (checked to match the reference bit for bit
when no bug is switched on): no shuffling, step size 0.001, gradients summed instead
of averaged. Finally proposes a threshold: the reference minimum less a 1.5-point
margin, rounded down to 0.005.

Run: ``python bench/calibrate_cs189.py`` from the repository root.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.threshold import proposed_threshold  # noqa: E402
from reference.cs189_hw2 import hw2, load_mnist_3v9  # noqa: E402

DATA = ROOT / "testcases" / "cs189_hw2" / "data"
LAYER_DIMS = [784, 200, 1]
MARGIN = 0.015


def load_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """X_train/255, y_train, X_test/255, y_test as float64."""
    d = load_mnist_3v9(DATA)
    return (
        d["X_train"] / 255.0,
        d["y_train"].astype(np.float64),
        d["X_test"] / 255.0,
        d["y_test"].astype(np.float64),
    )


def train_variant(
    X: np.ndarray,
    y: np.ndarray,
    *,
    seed: int = 0,
    shuffle: bool = True,
    step_size: float = 0.1,
    average: bool = True,
    batch_size: int = 100,
    epochs: int = 5,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The reference training loop with switchable bugs."""
    np.random.seed(seed)
    rng = np.random.default_rng(seed)
    Ws = hw2.create_weight_matrices(LAYER_DIMS)
    bs = hw2.create_bias_vectors(LAYER_DIMS)
    activations = [hw2.relu_activation, hw2.sigmoid_activation]
    n = X.shape[0]
    for _ in range(epochs):
        order = rng.permutation(n) if shuffle else np.arange(n)
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


def main() -> None:
    """Run the calibration and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="reference seeds 0..N-1")
    parser.add_argument("--bug-seeds", type=int, default=5, help="bug-variant seeds 0..N-1")
    args = parser.parse_args()
    X_train, y_train, X_test, y_test = load_data()
    print(f"train {X_train.shape}, test {X_test.shape}")

    Ws, bs = train_variant(X_train, y_train, seed=0)
    ref_Ws, ref_bs = hw2.train_network(X_train, y_train, LAYER_DIMS, seed=0)
    same = all(np.array_equal(a, b) for a, b in zip(Ws + bs, ref_Ws + ref_bs, strict=True))
    print(f"local loop reproduces reference train_network exactly: {same}")
    if not same:
        raise SystemExit("the local training loop drifted from the reference")

    accuracies, times = [], []
    for seed in range(args.seeds):
        start = time.perf_counter()
        Ws, bs = hw2.train_network(X_train, y_train, LAYER_DIMS, 100, 0.1, 5, seed)
        times.append(time.perf_counter() - start)
        accuracies.append(hw2.binary_accuracy(Ws, bs, X_test, y_test))
        train_acc = hw2.binary_accuracy(Ws, bs, X_train, y_train)
        print(f"seed {seed}: test {accuracies[-1]:.4f}  train {train_acc:.4f}  {times[-1]:.2f} s")
    acc = np.asarray(accuracies)
    print(
        f"reference test accuracy: min {acc.min():.4f}  mean {acc.mean():.4f}  max {acc.max():.4f}"
    )
    print(f"wall time per training: min {min(times):.2f} s  max {max(times):.2f} s")
    threshold = proposed_threshold(float(acc.min()), MARGIN)
    print(f"proposed threshold: {threshold:.3f}")

    variants = {
        "no shuffling": {"shuffle": False},
        "step size 0.001": {"step_size": 0.001},
        "gradients summed not averaged": {"average": False},
    }
    for name, bug in variants.items():
        results = []
        for seed in range(args.bug_seeds):
            with np.errstate(all="ignore"):
                Ws, bs = train_variant(X_train, y_train, seed=seed, **bug)
            results.append(hw2.binary_accuracy(Ws, bs, X_test, y_test))
        verdict = "PASSES (!)" if max(results) >= threshold else "fails"
        shown = " ".join(f"{a:.4f}" for a in results)
        print(f"bug {name!r}: test accuracy (seeds 0-{args.bug_seeds - 1}) {shown} -> {verdict}")


if __name__ == "__main__":
    main()
