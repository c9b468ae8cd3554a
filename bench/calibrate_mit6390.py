"""Calibrate the accuracy threshold of "Sequential.sgd trains on XOR blobs" (MIT 6.390).

Trains the homework's network widened to 8 hidden units, ``Linear(2,8) Tanh Linear(8,8)
Tanh Linear(8,2) SoftMax`` with NLL loss, using the reference ``Sequential.sgd`` (layer
sizes, iters and lrate read from testcases/mit6390_nn/assignment.yaml), after
``np.random.seed(seed)`` for seeds 0..N-1, in each of four ways a correct ``sgd`` may
draw the index of each iteration (``np.random.randint``, the reference's;
``default_rng(seed).integers``; ``random.Random(seed).randrange``; a new
``np.random.permutation`` per pass; ``np.random.choice(N)`` draws the same indices as
``randint``, so it is not repeated), and reports per way the worst, second worst
and mean accuracy on the hidden test split against the YAML's threshold. Then trains
bug variants
(reference modules with one method replaced): sgd_step adding the gradient, Tanh
derivative ``1 - tanh`` instead of ``1 - tanh**2``, offsets never updated, no hidden
layer at all (a linear classifier).
Finally proposes a threshold: the reference minimum less a margin, rounded down to 0.005.

Run: ``python bench/calibrate_mit6390.py`` from the repository root.
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

from bench.threshold import proposed_threshold, way_summary  # noqa: E402
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


class Sampled(nn.Sequential):
    """``Sequential.sgd`` with the index of each iteration drawn by ``pick(N)``: one of
    the ways a correct solution may draw it (the reference's is ``np.random.randint``)."""

    def __init__(self, net: nn.Sequential, pick: Callable[[int], int]) -> None:
        super().__init__(net.modules, net.loss)
        self.pick = pick

    def sgd(self, X: np.ndarray, Y: np.ndarray, iters: int = 100, lrate: float = 0.005) -> None:
        N = X.shape[1]
        for _ in range(iters):
            i = self.pick(N)
            Xt, Yt = X[:, i : i + 1], Y[:, i : i + 1]
            self.loss.forward(self.forward(Xt), Yt)
            self.backward(self.loss.backward())
            self.sgd_step(lrate)


def sampled(pick: Callable[[int], int]) -> Callable[[], nn.Sequential]:
    return lambda: Sampled(network(), pick)


class Epochs:
    """Each pass over the data in a new ``np.random.permutation`` order."""

    def __init__(self) -> None:
        self.order: list[int] = []

    def __call__(self, n: int) -> int:
        if not self.order:
            self.order = list(np.random.permutation(n))
        return int(self.order.pop())


def ways(seed: int) -> dict[str, Callable[[], nn.Sequential]]:
    """The valid ways of drawing the index of each iteration, the generators seeded
    from ``seed`` where the solution would seed them itself."""
    rng = np.random.default_rng(seed)
    py = random.Random(seed)
    return {
        "reference: np.random.randint(N)": network,
        "default_rng(seed).integers(N)": sampled(lambda n: int(rng.integers(n))),
        "random.Random(seed).randrange(N)": sampled(py.randrange),
        "a new np.random.permutation per pass": sampled(Epochs()),
    }


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


def yaml_threshold() -> float:
    """The ``min`` of the training test's metric check in assignment.yaml."""
    spec = yaml.safe_load((ASSIGNMENT / "assignment.yaml").read_text())
    test = next(t for t in spec["tests"] if t["name"] == TRAIN_TEST)
    return float(next(c["min"] for c in test["checks"] if "metric" in c))


def main() -> None:
    """Run the calibration and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50, help="seeds 0..N-1 for every way")
    parser.add_argument("--bug-seeds", type=int, default=10, help="bug-variant seeds 0..N-1")
    args = parser.parse_args()
    data = load_xor(ASSIGNMENT / "data")
    threshold = yaml_threshold()
    print(f"train {data['X_train'].shape}, test {data['X_test'].shape}")
    print(f"layers {layer_sizes()}, {training_settings()}; the YAML's threshold {threshold}")

    every: list[float] = []
    start = time.perf_counter()
    for name in ways(0):
        values = [train(ways(seed)[name], seed, data) for seed in range(args.seeds)]
        every += values
        print(way_summary(name, values, threshold))
    seconds = (time.perf_counter() - start) / len(every)
    print(f"all ways: min {min(every):.4f} over {len(every)} trainings, {seconds:.2f} s each")
    print(f"proposed threshold: {proposed_threshold(min(every), MARGIN):.3f}")

    variants: dict[str, Callable[[], nn.Sequential]] = {
        "sgd_step adds the gradient": lambda: network(linear=AddingLinear),
        "Tanh derivative 1 - tanh": lambda: network(tanh=LinearTanh),
        "offsets never updated": lambda: network(linear=FrozenOffsetLinear),
        "no hidden layer": no_hidden_layer,
    }
    for name, build in variants.items():
        results = [train(build, seed, data) for seed in range(args.bug_seeds)]
        verdict = "PASSES (!)" if max(results) >= threshold else "fails"
        print(
            f"bug {name!r}: max {max(results):.4f} "
            f"(margin {threshold - max(results):+.4f}) -> {verdict}"
        )


if __name__ == "__main__":
    main()
