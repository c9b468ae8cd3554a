"""Calibrate the thresholds of the training tests of the Tsinghua deep learning homework Q5.

For seeds 0..N-1, seeds torch (``torch.manual_seed(seed)``), builds the reference MLP or CNN
and trains it with the reference ``train`` (epochs, lr, momentum, batch size and flood level
read from testcases/thu_dl_hw/assignment.yaml, ``seed=seed``), on one thread as in the
sandbox, with each epoch's order drawn in each of three ways a correct ``train`` may draw
it (the reference's seeded ``torch.Generator``; the order of ``DataLoader(shuffle=True)``;
``np.random.default_rng(seed).permutation``; the global ``torch.randperm`` after
``torch.manual_seed(seed)`` gives the reference's orders, so it is not repeated). Reports per
way the worst, second worst and mean accuracy on the hidden test split (MLP, CNN) and,
for the flooded MLP, of the mean cross-entropy on the training split, against the YAML's
bounds, and the worst median of three consecutive seeds. Then the same for bug variants:
the MLP without its ReLU (a linear model), SGD without momentum, a training loop that
never shuffles (the training split is sorted by label), gradients never zeroed, and
flooding ignored (plain loss), with the best median of three.

Run: ``python bench/calibrate_thu.py [--seeds 20] [--only MLP CNN flood]`` from the repository root.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.threshold import medians_of_three, way_summary  # noqa: E402
from reference.thu_dl_hw import as_model_inputs, load_mnist10, q5  # noqa: E402

ASSIGNMENT = ROOT / "testcases" / "thu_dl_hw"
MLP_TEST = "train: MLP accuracy on the hidden test split"
CNN_TEST = "train: CNN accuracy on the hidden test split"
FLOOD_TEST = "train with flooding: the training loss floats near b"

Train = Callable[..., nn.Module]


@cache
def test_spec(test_name: str) -> dict[str, Any]:
    """The test as assignment.yaml writes it (the YAML is the one source), read once."""
    spec = yaml.safe_load((ASSIGNMENT / "assignment.yaml").read_text())
    return next(t for t in spec["tests"] if t["name"] == test_name)


def train_kwargs(test_name: str) -> dict[str, Any]:
    """The keyword arguments of the test's ``train`` step."""
    steps = test_spec(test_name)["steps"]
    kwargs = dict(next(s for s in steps if s.get("call") == "train")["kwargs"])
    kwargs.pop("seed", None)
    return kwargs


class Orders:
    """The reference's way of ordering each epoch: ``torch.randperm`` with a generator
    seeded from ``seed``."""

    def __init__(self, seed: int) -> None:
        self.generator = torch.Generator().manual_seed(seed)

    def epoch(self, n: int) -> torch.Tensor:
        return torch.randperm(n, generator=self.generator)


class DataLoaderOrder(Orders):
    """The order ``DataLoader(..., shuffle=True)`` gives: a RandomSampler, global RNG."""

    def epoch(self, n: int) -> torch.Tensor:
        return torch.tensor(list(torch.utils.data.RandomSampler(range(n))))


class NumpyOrder(Orders):
    """``np.random.default_rng(seed).permutation(n)``."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def epoch(self, n: int) -> torch.Tensor:
        return torch.from_numpy(self.rng.permutation(n))


class Unshuffled(Orders):
    """A bug: the same order every epoch (the training split is sorted by label)."""

    def epoch(self, n: int) -> torch.Tensor:
        return torch.arange(n)


WAYS: dict[str, type[Orders]] = {
    "reference: seeded Generator, randperm": Orders,
    "DataLoader(shuffle=True) order": DataLoaderOrder,
    "np.random.default_rng(seed).permutation": NumpyOrder,
}


def train_variant(
    *,
    momentum: bool = True,
    orders: type[Orders] = Orders,
    zero_grad: bool = True,
    flood: bool = True,
) -> Train:
    """The reference ``train`` with each epoch's order drawn by ``orders`` and one
    behaviour switched off."""

    def train(
        model: nn.Module,
        X: torch.Tensor,
        y: torch.Tensor,
        epochs: int,
        lr: float,
        momentum_: float,
        batch_size: int,
        flood_b: float | None = None,
        seed: int = 0,
    ) -> nn.Module:
        torch.manual_seed(seed)
        draw = orders(seed)
        optimizer = torch.optim.SGD(
            model.parameters(), lr=lr, momentum=momentum_ if momentum else 0.0
        )
        criterion = nn.CrossEntropyLoss()
        n = X.shape[0]
        for _ in range(epochs):
            order = draw.epoch(n)
            for start in range(0, n, batch_size):
                batch = order[start : start + batch_size]
                if zero_grad:
                    optimizer.zero_grad()
                loss = criterion(model(X[batch]), y[batch])
                if flood and flood_b is not None:
                    loss = q5.flooding_loss(loss, flood_b)
                loss.backward()
                optimizer.step()
        return model

    return train


def linear_mlp() -> nn.Module:
    """The MLP without its ReLU: an affine map, softmax regression with extra steps."""
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 500), nn.Linear(500, 10))


def run(
    build: Callable[[], nn.Module], train: Train, kwargs: dict[str, Any], seed: int, d: dict
) -> tuple[float, float, float]:
    """(test accuracy, training cross-entropy, seconds) of one seeded training."""
    torch.manual_seed(seed)
    model = build()
    kw = dict(kwargs)
    momentum = kw.pop("momentum")
    start = time.perf_counter()
    train(model, d["X"], d["y"], momentum_=momentum, seed=seed, **kw)
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        pred = model(d["Xt"]).argmax(dim=1).numpy()
        ce = float(nn.functional.cross_entropy(model(d["X"]), d["y"]))
    return q5.accuracy(pred, d["yt"]), ce if np.isfinite(ce) else float("inf"), seconds


def bounds(test_name: str) -> tuple[float | None, float | None]:
    """``min`` and ``max`` of the test's metric check in the YAML."""
    check = next(c for c in test_spec(test_name)["checks"] if "metric" in c)
    return check.get("min"), check.get("max")


def report(label: str, test: str, values: list[float]) -> None:
    """The ways' lines against each bound of the test's check."""
    low, high = bounds(test)
    if low is not None:
        print(way_summary(f"{label} (min)", values, float(low)), flush=True)
        worst = min(medians_of_three(values), default=float("nan"))
        print(f"  {'':<46} medians of seeds (0-2, 3-5, ...): worst {worst:.4f}", flush=True)
    if high is not None:
        print(way_summary(f"{label} (max)", values, float(high), upper=True), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds 0..N-1 for every way")
    parser.add_argument("--bug-seeds", type=int, default=5)
    parser.add_argument("--only", choices=["MLP", "CNN", "flood"], nargs="*")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as in the sandbox (cpus: 1)
    raw = load_mnist10(ASSIGNMENT / "data")
    d = {
        "X": torch.from_numpy(as_model_inputs(raw["X_train"])),
        "y": torch.from_numpy(raw["y_train"]),
        "Xt": torch.from_numpy(as_model_inputs(raw["X_test"])),
        "yt": raw["y_test"],
    }
    models = [("MLP", q5.build_mlp, MLP_TEST, 0), ("CNN", q5.build_cnn, CNN_TEST, 0)]
    models.append(("flood", q5.build_mlp, FLOOD_TEST, 1))  # index 1: training cross-entropy
    chosen = {test for label, _, test, _ in models if not args.only or label in args.only}
    for label, build, test, index in models:
        if test not in chosen:
            continue
        print(f"{label} ({test}), bounds {bounds(test)}", flush=True)
        for way, orders in WAYS.items():
            results = [
                run(build, train_variant(orders=orders), train_kwargs(test), seed, d)
                for seed in range(args.seeds)
            ]
            report(f"  {way}", test, [r[index] for r in results])
            print(f"  {'':<46} {np.mean([r[2] for r in results]):.2f} s per training")
    bugs: list[tuple[str, Callable[[], nn.Module], Train, str, int]] = [
        ("MLP without ReLU", linear_mlp, train_variant(), MLP_TEST, 0),
        ("flooded MLP without ReLU (CE)", linear_mlp, train_variant(), FLOOD_TEST, 1),
        ("MLP, no momentum", q5.build_mlp, train_variant(momentum=False), MLP_TEST, 0),
        ("CNN, no momentum", q5.build_cnn, train_variant(momentum=False), CNN_TEST, 0),
        (
            "flooded MLP, no momentum (CE)",
            q5.build_mlp,
            train_variant(momentum=False),
            FLOOD_TEST,
            1,
        ),
        ("MLP, no shuffling", q5.build_mlp, train_variant(orders=Unshuffled), MLP_TEST, 0),
        ("CNN, no shuffling", q5.build_cnn, train_variant(orders=Unshuffled), CNN_TEST, 0),
        ("MLP, no zero_grad", q5.build_mlp, train_variant(zero_grad=False), MLP_TEST, 0),
        ("flooding ignored (CE)", q5.build_mlp, train_variant(flood=False), FLOOD_TEST, 1),
    ]
    for label, build, train, test, index in bugs:
        if test not in chosen:
            continue
        values = [run(build, train, train_kwargs(test), s, d)[index] for s in range(args.bug_seeds)]
        low, high = bounds(test)
        inside = sum((low is None or v >= low) and (high is None or v <= high) for v in values)
        shown = " ".join(f"{v:.4f}" for v in values)
        best = max(medians_of_three(values), default=float("nan"))
        print(
            f"bug: {label}: {shown}; inside the bounds {inside}/{len(values)}; "
            f"best median of three {best:.4f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
