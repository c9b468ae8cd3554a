"""Calibrate the thresholds of the training tests of the Tsinghua deep learning homework Q5.

For seeds 0..N-1, seeds torch (``torch.manual_seed(seed)``), builds the reference MLP or CNN
and trains it with the reference ``train`` (epochs, lr, momentum, batch size and flood level
read from testcases/thu_dl_hw/assignment.yaml, ``seed=seed``), on one thread as in the
sandbox. Reports per seed the accuracy on the hidden test split (MLP, CNN) and, for the
flooded MLP, the mean cross-entropy on the training split; then min/mean/max and the wall
time per training. Then the same for bug variants: the MLP without its ReLU (a linear
model), SGD without momentum, a training loop that never shuffles (the training split is
sorted by label), gradients never zeroed, and flooding ignored (plain loss).
Finally proposes thresholds with a margin on both sides.

Run: ``python bench/calibrate_thu.py [--seeds 20]`` from the repository root.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reference.thu_dl_hw import as_model_inputs, load_mnist10, q5  # noqa: E402

ASSIGNMENT = ROOT / "testcases" / "thu_dl_hw"
MLP_TEST = "train: MLP accuracy on the hidden test split"
CNN_TEST = "train: CNN accuracy on the hidden test split"
FLOOD_TEST = "train with flooding: the training loss floats near b"

Train = Callable[..., nn.Module]


def train_kwargs(test_name: str) -> dict[str, Any]:
    """The keyword arguments of the test's ``train`` step (the YAML is the one source)."""
    spec = yaml.safe_load((ASSIGNMENT / "assignment.yaml").read_text())
    steps = next(t for t in spec["tests"] if t["name"] == test_name)["steps"]
    kwargs = dict(next(s for s in steps if s.get("call") == "train")["kwargs"])
    kwargs.pop("seed", None)
    return kwargs


def train_variant(
    *, momentum: bool = True, shuffle: bool = True, zero_grad: bool = True, flood: bool = True
) -> Train:
    """The reference ``train`` with one behaviour switched off."""

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
        generator = torch.Generator().manual_seed(seed)
        optimizer = torch.optim.SGD(
            model.parameters(), lr=lr, momentum=momentum_ if momentum else 0.0
        )
        criterion = nn.CrossEntropyLoss()
        n = X.shape[0]
        for _ in range(epochs):
            order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
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


def summary(label: str, values: list[float]) -> str:
    return f"{label}: min {min(values):.4f} mean {np.mean(values):.4f} max {max(values):.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--bug-seeds", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as in the sandbox (cpus: 1)
    raw = load_mnist10(ASSIGNMENT / "data")
    d = {
        "X": torch.from_numpy(as_model_inputs(raw["X_train"])),
        "y": torch.from_numpy(raw["y_train"]),
        "Xt": torch.from_numpy(as_model_inputs(raw["X_test"])),
        "yt": raw["y_test"],
    }
    ref = train_variant()
    cases: list[tuple[str, Callable[[], nn.Module], Train, str, int, int]] = [
        # label, build, train, test, value index (0 accuracy, 1 training loss), seeds
        ("MLP", q5.build_mlp, ref, MLP_TEST, 0, args.seeds),
        ("CNN", q5.build_cnn, ref, CNN_TEST, 0, args.seeds),
        ("flooded MLP (training CE)", q5.build_mlp, ref, FLOOD_TEST, 1, args.seeds),
        ("bug: MLP without ReLU", linear_mlp, ref, MLP_TEST, 0, args.bug_seeds),
        ("bug: flooded MLP without ReLU (CE)", linear_mlp, ref, FLOOD_TEST, 1, args.bug_seeds),
        (
            "bug: MLP, no momentum",
            q5.build_mlp,
            train_variant(momentum=False),
            MLP_TEST,
            0,
            args.bug_seeds,
        ),
        (
            "bug: CNN, no momentum",
            q5.build_cnn,
            train_variant(momentum=False),
            CNN_TEST,
            0,
            args.bug_seeds,
        ),
        (
            "bug: flooded MLP, no momentum (CE)",
            q5.build_mlp,
            train_variant(momentum=False),
            FLOOD_TEST,
            1,
            args.bug_seeds,
        ),
        (
            "bug: MLP, no shuffling",
            q5.build_mlp,
            train_variant(shuffle=False),
            MLP_TEST,
            0,
            args.bug_seeds,
        ),
        (
            "bug: CNN, no shuffling",
            q5.build_cnn,
            train_variant(shuffle=False),
            CNN_TEST,
            0,
            args.bug_seeds,
        ),
        (
            "bug: MLP, no zero_grad",
            q5.build_mlp,
            train_variant(zero_grad=False),
            MLP_TEST,
            0,
            args.bug_seeds,
        ),
        (
            "bug: flooding ignored (CE)",
            q5.build_mlp,
            train_variant(flood=False),
            FLOOD_TEST,
            1,
            args.bug_seeds,
        ),
    ]
    for label, build, train, test, index, seeds in cases:
        values, times = [], []
        for seed in range(seeds):
            result = run(build, train, train_kwargs(test), seed, d)
            values.append(result[index])
            times.append(result[2])
            print(f"  {label} seed {seed}: {result[index]:.4f} ({result[2]:.2f} s)", flush=True)
        print(summary(label, values) + f"; {np.mean(times):.2f} s per training", flush=True)


if __name__ == "__main__":
    main()
