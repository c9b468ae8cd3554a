"""Calibrate the accuracy threshold of "Sequential.sgd trains on XOR blobs" (MIT 6.390).

Trains the homework's network widened to 8 hidden units, ``Linear(2,8) Tanh Linear(8,8)
Tanh Linear(8,2) SoftMax`` with NLL loss, using the reference ``Sequential.sgd`` (layer
sizes, iters and lrate read from testcases/mit6390_nn/assignment.yaml), after
``np.random.seed(seed)`` for seeds 0..N-1, and reports the accuracy on the hidden test
split per seed, min/mean/max and the wall time per training. Then trains bug variants
(reference modules with one method replaced): sgd_step adding the gradient, Tanh
derivative ``1 - tanh`` instead of ``1 - tanh**2``, offsets never updated, no hidden
layer at all (a linear classifier).
Finally proposes a threshold: the reference minimum less a margin, rounded down to 0.005.

Run: ``python bench/calibrate_mit6390.py`` from the repository root.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.threshold import proposed_threshold  # noqa: E402
from reference.mit6390_nn import load_xor, nn  # noqa: E402

ASSIGNMENT = ROOT / "testcases" / "mit6390_nn"
TRAIN_TEST = "Sequential.sgd trains on XOR blobs"
MARGIN = 0.03


def training_steps() -> list[dict]:
    """The steps of the training test (the YAML is the one source)."""
    spec = yaml.safe_load((ASSIGNMENT / "assignment.yaml").read_text())
    return next(t for t in spec["tests"] if t["name"] == TRAIN_TEST)["steps"]


def training_settings() -> dict[str, float]:
    """iters and lrate of the training test."""
    return dict(next(s for s in training_steps() if s.get("call") == "sgd")["kwargs"])


def layer_sizes() -> list[list[int]]:
    """``[m, n]`` of every Linear the training test builds, in order."""
    return [s["args"] for s in training_steps() if s.get("call") == "Linear"]


class AddingLinear(nn.Linear):
    def sgd_step(self, lrate: float) -> None:
        self.W = self.W + lrate * self.dLdW
        self.W0 = self.W0 + lrate * self.dLdW0


class FrozenOffsetLinear(nn.Linear):
    def sgd_step(self, lrate: float) -> None:
        self.W = self.W - lrate * self.dLdW


class LinearTanh(nn.Tanh):
    def backward(self, dLdA: np.ndarray) -> np.ndarray:
        return dLdA * (1.0 - self.A)


def network(linear: type[nn.Linear] = nn.Linear, tanh: type[nn.Tanh] = nn.Tanh) -> nn.Sequential:
    """The training test's network (Linear, Tanh, Linear, Tanh, Linear, SoftMax), built from
    the given module classes."""
    (m1, n1), (m2, n2), (m3, n3) = layer_sizes()
    modules = [linear(m1, n1), tanh(), linear(m2, n2), tanh(), linear(m3, n3), nn.SoftMax()]
    return nn.Sequential(modules, nn.NLL())


def no_hidden_layer() -> nn.Sequential:
    return nn.Sequential([nn.Linear(2, 2), nn.SoftMax()], nn.NLL())


def train(build: Callable[[], nn.Sequential], seed: int, data: dict[str, np.ndarray]) -> float:
    """Seed, build, train with the assignment's settings; test accuracy."""
    np.random.seed(seed)
    net = build()
    with np.errstate(all="ignore"):
        net.sgd(data["X_train"], data["Y_train"], **training_settings())
        return nn.accuracy(net.forward(data["X_test"]), data["Y_test"])


def main() -> None:
    """Run the calibration and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50, help="reference seeds 0..N-1")
    parser.add_argument("--bug-seeds", type=int, default=10, help="bug-variant seeds 0..N-1")
    args = parser.parse_args()
    data = load_xor(ASSIGNMENT / "data")
    print(f"train {data['X_train'].shape}, test {data['X_test'].shape}")
    print(f"layers {layer_sizes()}, {training_settings()}")

    accuracies, times = [], []
    for seed in range(args.seeds):
        start = time.perf_counter()
        accuracies.append(train(network, seed, data))
        times.append(time.perf_counter() - start)
        print(f"seed {seed}: test {accuracies[-1]:.4f}  {times[-1]:.2f} s")
    acc = np.asarray(accuracies)
    print(
        f"reference test accuracy: min {acc.min():.4f}  mean {acc.mean():.4f}  max {acc.max():.4f}"
    )
    print(f"wall time per training: min {min(times):.2f} s  max {max(times):.2f} s")
    threshold = proposed_threshold(float(acc.min()), MARGIN)
    print(f"proposed threshold: {threshold:.3f}")

    variants: dict[str, Callable[[], nn.Sequential]] = {
        "sgd_step adds the gradient": lambda: network(linear=AddingLinear),
        "Tanh derivative 1 - tanh": lambda: network(tanh=LinearTanh),
        "offsets never updated": lambda: network(linear=FrozenOffsetLinear),
        "no hidden layer": no_hidden_layer,
    }
    for name, build in variants.items():
        results = [train(build, seed, data) for seed in range(args.bug_seeds)]
        verdict = "PASSES (!)" if max(results) >= threshold else "fails"
        shown = " ".join(f"{a:.3f}" for a in results)
        print(f"bug {name!r}: max {max(results):.4f}; {shown} -> {verdict}")


if __name__ == "__main__":
    main()
