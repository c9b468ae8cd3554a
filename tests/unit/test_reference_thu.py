"""Checks of the Tsinghua deep learning Q5 reference solution (PyTorch) and of its data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import yaml

from reference.thu_dl_hw import as_model_inputs, load_mnist10, q5

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "testcases" / "thu_dl_hw"
DATA = ASSIGNMENT / "data"
MLP_TEST = "train: MLP accuracy on the hidden test split"
FLOOD_TEST = "train with flooding: the training loss floats near b"


def spec() -> dict[str, Any]:
    return yaml.safe_load((ASSIGNMENT / "assignment.yaml").read_text())


def spec_test(name: str) -> dict[str, Any]:
    return next(t for t in spec()["tests"] if t["name"] == name)


def train_kwargs(name: str) -> dict[str, Any]:
    return dict(next(s for s in spec_test(name)["steps"] if s.get("call") == "train")["kwargs"])


def metric_check(name: str) -> dict[str, Any]:
    return next(c for c in spec_test(name)["checks"] if "metric" in c)


# ---------------------------------------------------------------- models


def test_mlp_parameter_count_and_shapes() -> None:
    mlp = q5.build_mlp()
    assert sum(p.numel() for p in mlp.parameters()) == 784 * 500 + 500 + 500 * 10 + 10 == 397_510
    out = mlp(torch.rand(8, 1, 28, 28))
    assert out.shape == (8, 10) and out.dtype == torch.float32


def test_cnn_is_the_suggested_two_convolution_network() -> None:
    cnn = q5.build_cnn()
    convs = [m for m in cnn.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.padding) for c in convs] == [
        (1, 16, (5, 5), (2, 2)),
        (16, 32, (5, 5), (2, 2)),
    ]
    assert cnn(torch.rand(3, 1, 28, 28)).shape == (3, 10)


def test_mlp_is_not_affine() -> None:
    """The seeded-logits test catches a missing ReLU: f(a) + f(b) != f(a + b) + f(0)."""
    torch.manual_seed(0)
    mlp = q5.build_mlp()
    a, b = torch.rand(4, 1, 28, 28), torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        gap = (mlp(a) + mlp(b) - mlp(a + b) - mlp(torch.zeros_like(a))).abs().max()
    assert gap > 1e-2


# ---------------------------------------------------------------- flooding


@pytest.mark.parametrize(("r", "value", "grad"), [(0.05, 0.15, -1.0), (0.3, 0.3, 1.0)])
def test_flooding_value_and_gradient(r: float, value: float, grad: float) -> None:
    leaf = torch.tensor(r, dtype=torch.float64, requires_grad=True)
    flooded = q5.flooding_loss(leaf, 0.1)
    assert flooded.item() == pytest.approx(value, abs=1e-15)
    flooded.backward()
    assert leaf.grad is not None and leaf.grad.item() == grad


# ---------------------------------------------------------------- trusted metrics


def test_accuracy_by_hand_and_wrong_shapes() -> None:
    y = np.array([0, 1, 2, 3])
    assert q5.accuracy(np.array([0, 1, 2, 0]), y) == 0.75
    with pytest.raises(ValueError, match="got an array of shape"):
        q5.accuracy(np.array([0, 1, 2]), y)
    with pytest.raises(ValueError, match="got an array of shape"):
        q5.accuracy(np.zeros((4, 10), dtype=np.int64), y)
    with pytest.raises(ValueError, match="integers"):
        q5.accuracy(np.array([0.0, 1.0, 2.0, 3.0]), y)


def test_cross_entropy_matches_torch_and_rejects_bad_input() -> None:
    rng = np.random.default_rng(0)
    logits, y = rng.normal(size=(50, 10)) * 5, rng.integers(0, 10, 50)
    expected = torch.nn.functional.cross_entropy(torch.from_numpy(logits), torch.from_numpy(y))
    assert q5.cross_entropy(logits, y) == pytest.approx(expected.item(), rel=1e-12)
    assert q5.cross_entropy(np.full((2, 10), np.nan), np.array([0, 1])) == float("inf")
    with pytest.raises(ValueError):
        q5.cross_entropy(logits[:, :3].ravel(), y)


# ---------------------------------------------------------------- data


def test_data_layout_and_hidden_labels() -> None:
    d = load_mnist10(DATA)
    assert sorted(d) == ["X_test", "X_train", "y_test", "y_train"]
    assert d["X_train"].shape == (6000, 1, 28, 28) and d["X_test"].shape == (2000, 1, 28, 28)
    assert d["X_train"].dtype == d["X_test"].dtype == np.uint8
    assert d["y_train"].dtype == d["y_test"].dtype == np.int64
    assert np.all(np.diff(d["y_train"]) >= 0), "the training split is sorted by label"
    assert set(np.unique(d["y_test"])) == set(range(10))
    assert np.all(np.bincount(d["y_test"]) >= 150)
    with np.load(DATA / "test_inputs.npz") as public:
        assert public.files == ["X"], "the public test file must not hold labels"
    fixtures = spec()["fixtures"]
    assert fixtures["test_labels"]["visibility"] == "hidden"
    assert fixtures["test_inputs"]["visibility"] == "public"
    X = as_model_inputs(d["X_train"][:10])
    assert X.dtype == np.float32 and X.min() >= 0.0 and X.max() <= 1.0


# ---------------------------------------------------------------- training


@pytest.fixture(scope="module")
def tensors() -> dict[str, Any]:
    d = load_mnist10(DATA)
    return {
        "X": torch.from_numpy(as_model_inputs(d["X_train"])),
        "y": torch.from_numpy(d["y_train"]),
        "Xt": torch.from_numpy(as_model_inputs(d["X_test"])),
        "yt": d["y_test"],
    }


def test_mlp_training_reaches_threshold_and_is_deterministic(tensors: dict[str, Any]) -> None:
    kwargs = train_kwargs(MLP_TEST)
    preds = []
    for _ in range(2):
        torch.manual_seed(0)
        model = q5.train(q5.build_mlp(), tensors["X"], tensors["y"], **kwargs)
        with torch.no_grad():
            preds.append(model.eval()(tensors["Xt"]).argmax(dim=1).numpy())
    np.testing.assert_array_equal(preds[0], preds[1])
    assert q5.accuracy(preds[0], tensors["yt"]) >= metric_check(MLP_TEST)["min"]


def test_flooded_training_floats_near_b(tensors: dict[str, Any]) -> None:
    kwargs = train_kwargs(FLOOD_TEST)
    check = metric_check(FLOOD_TEST)
    torch.manual_seed(0)
    model = q5.train(q5.build_mlp(), tensors["X"], tensors["y"], **kwargs)
    with torch.no_grad():
        loss = q5.cross_entropy(model(tensors["X"]).numpy(), tensors["y"].numpy())
    assert check["min"] <= loss <= check["max"]
    assert check["min"] < kwargs["flood_b"] < check["max"]
