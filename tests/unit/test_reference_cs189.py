"""Checks of the CS189 HW2 reference solution and of its trusted data files."""

from __future__ import annotations

import importlib.util
import inspect
import pickle
import warnings
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import torch
import yaml

from reference.cs189_hw2 import hw2, load_mnist_3v9, torch_ref

ROOT = Path(__file__).resolve().parents[2]

DATA = ROOT / "testcases" / "cs189_hw2" / "data"
TOY = DATA / "test_batch_weights_biases.pkl"


def accuracy_threshold() -> float:
    """The threshold the assignment's training test uses (the YAML is the one source)."""
    spec = yaml.safe_load((DATA.parent / "assignment.yaml").read_text())
    test = next(t for t in spec["tests"] if t["name"] == "train_network on MNIST 3 vs 9")
    return next(c["min"] for c in test["checks"] if "metric" in c)


ToyData = tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]
PARAMS = [("W", 0), ("W", 1), ("b", 0), ("b", 1)]
STUDENT_FUNCTIONS = [
    "sigmoid_activation",
    "relu_activation",
    "logistic_loss",
    "layer_forward",
    "create_weight_matrices",
    "create_bias_vectors",
    "forward_pass",
    "backward_pass",
    "finite_difference",
    "train_network",
]


def load_toy() -> ToyData:
    """The toy batch and parameters from the committed pickle."""
    with TOY.open("rb") as fh:
        return pickle.load(fh)


def deep_random() -> ToyData:
    """A deeper random network [5, 4, 3, 1] on 7 examples, for a second gradient check."""
    rng = np.random.default_rng(7)
    dims = [5, 4, 3, 1]
    X = rng.normal(size=(7, 5))
    y = np.array([[0.0], [1.0], [1.0], [0.0], [1.0], [0.0], [0.0]])
    Ws = [rng.normal(0.0, 0.7, size=(a, b)) for a, b in pairwise(dims)]
    bs = [rng.normal(0.0, 0.2, size=(1, d)) for d in dims[1:]]
    return X, y, Ws, bs


NETWORKS: dict[str, Callable[[], ToyData]] = {"toy": load_toy, "deep_random": deep_random}


def numpy_grads(data: ToyData) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """Mean loss and backward_pass gradients of the reference."""
    X, y, Ws, bs = data
    g, caches = hw2.forward_pass(X, Ws, bs, hw2._network_activations(len(Ws)))
    loss, dL_dg = hw2.logistic_loss(g, y)
    grad_Ws, grad_bs = hw2.backward_pass(dL_dg, caches)
    return float(loss.mean()), grad_Ws, grad_bs


def mean_loss(data: ToyData) -> float:
    """Mean logistic loss of the reference network."""
    X, y, Ws, bs = data
    g, _ = hw2.forward_pass(X, Ws, bs, hw2._network_activations(len(Ws)))
    return float(hw2.logistic_loss(g, y)[0].mean())


def load_module(path: Path, name: str) -> ModuleType:
    """Import the Python file at ``path`` as a module called ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_script(name: str) -> ModuleType:
    """Import a data script from testcases/cs189_hw2/data as a module."""
    return load_module(DATA / f"{name}.py", name)


def test_torch_is_float64_capable() -> None:
    assert torch.tensor([1.0], dtype=torch.float64).dtype == torch.float64


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_backward_pass_matches_torch_autograd(network: str) -> None:
    data = NETWORKS[network]()
    loss, grad_Ws, grad_bs = numpy_grads(data)
    t_loss, t_grad_Ws, t_grad_bs = torch_ref.mean_loss_and_grads(*data)
    assert loss == pytest.approx(t_loss, rel=1e-12)
    assert len(grad_Ws) == len(t_grad_Ws) == len(data[2])
    for ours, theirs in zip(grad_Ws + grad_bs, t_grad_Ws + t_grad_bs, strict=True):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


@pytest.mark.parametrize(("kind", "layer"), PARAMS)
def test_finite_difference_agrees_with_backward_pass(kind: str, layer: int) -> None:
    X, y, Ws, bs = load_toy()
    _, grad_Ws, grad_bs = numpy_grads((X, y, Ws, bs))
    params = Ws if kind == "W" else bs
    original = params[layer].copy()

    def f(p: np.ndarray) -> float:
        replaced = [p if i == layer else q for i, q in enumerate(params)]
        if kind == "W":
            return mean_loss((X, y, replaced, bs))
        return mean_loss((X, y, Ws, replaced))

    numeric = hw2.finite_difference(f, params[layer])
    analytic = (grad_Ws if kind == "W" else grad_bs)[layer]
    assert numeric.shape == analytic.shape
    np.testing.assert_allclose(numeric, analytic, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(params[layer], original)


def test_finite_difference_on_cubic_sine_leaves_input_alone() -> None:
    rng = np.random.default_rng(3)
    a = rng.uniform(0.5, 2.0, size=(3, 2))
    before = a.copy()
    numeric = hw2.finite_difference(lambda p: float(np.sum(p**3) + np.sum(np.sin(p))), a)
    np.testing.assert_allclose(numeric, 3 * a**2 + np.cos(a), rtol=0, atol=1e-8)
    np.testing.assert_array_equal(a, before)


@pytest.mark.parametrize(
    "s",
    [np.array([-1000.0, 1000.0]), np.array([-1000, 1000]), np.linspace(-1e6, 1e6, 101)],
    ids=["float", "int", "wide"],
)
def test_sigmoid_is_stable(s: np.ndarray) -> None:
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        out, grad = hw2.sigmoid_activation(s)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(grad))
    assert out.min() >= 1e-15 and out.max() <= 1 - 1e-15
    np.testing.assert_allclose(out[[0, -1]], [1e-15, 1 - 1e-15], rtol=1e-12, atol=0)


def test_sigmoid_small_inputs_and_shapes() -> None:
    s = np.asarray([1.0, 0.0, -1.0])
    out, grad = hw2.sigmoid_activation(s)
    expected = 1.0 / (1.0 + np.exp(-s))
    np.testing.assert_allclose(out, expected, rtol=1e-14)
    np.testing.assert_allclose(grad, expected * (1 - expected), rtol=1e-14)
    out3, grad3 = hw2.sigmoid_activation(np.zeros((2, 3, 4)))
    assert out3.shape == grad3.shape == (2, 3, 4)


def test_sigmoid_clips_both_ends() -> None:
    out, _ = hw2.sigmoid_activation(np.array([-1000.0, -40.0, 40.0, 1000.0]))
    np.testing.assert_array_equal(out, [1e-15, 1e-15, 1 - 1e-15, 1 - 1e-15])


def test_relu_derivative() -> None:
    s = np.array([[-2.0, 0.0, 3.0], [1e-300, -1e-300, 0.5]])
    out, grad = hw2.relu_activation(s)
    np.testing.assert_array_equal(out, [[0.0, 0.0, 3.0], [1e-300, 0.0, 0.5]])
    np.testing.assert_array_equal(grad, [[0.0, 0.0, 1.0], [1.0, 0.0, 1.0]])


def test_logistic_loss_derivative_matches_finite_differences() -> None:
    rng = np.random.default_rng(5)
    g = rng.uniform(0.05, 0.95, size=(6, 1))
    y = np.array([[0.0], [1.0], [1.0], [0.0], [1.0], [0.0]])
    loss, dL_dg = hw2.logistic_loss(g, y)
    assert loss.shape == dL_dg.shape == (6, 1)
    numeric = hw2.finite_difference(lambda p: float(hw2.logistic_loss(p, y)[0].sum()), g)
    np.testing.assert_allclose(dL_dg, numeric, rtol=1e-7)
    with pytest.raises(ValueError):
        hw2.logistic_loss(g, y.ravel())


def test_initialisers() -> None:
    np.random.seed(0)
    Ws = hw2.create_weight_matrices([784, 200, 1])
    bs = hw2.create_bias_vectors([784, 200, 1])
    assert [W.shape for W in Ws] == [(784, 200), (200, 1)]
    assert [b.shape for b in bs] == [(1, 200), (1, 1)]
    pooled = np.concatenate([W.ravel() for W in Ws])
    assert abs(pooled.mean()) < 5e-4 and 0.0095 < pooled.std() < 0.0105
    assert all(not b.any() for b in bs)


def test_binary_accuracy_by_hand() -> None:
    X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [1.0, 3.0]])
    y = np.array([[1.0], [0.0], [0.0], [0.0]])
    # One layer: s = x0 - x1, so predictions are 1, 0, 1, 0 (s = 0 would predict 1).
    assert hw2.binary_accuracy([np.array([[1.0], [-1.0]])], [np.zeros((1, 1))], X, y) == 0.75
    # Two layers; the ReLU zeroes the hidden unit for rows 1 and 3, leaving s = -0.5.
    Ws = [np.array([[1.0], [-1.0]]), np.array([[2.0]])]
    bs = [np.zeros((1, 1)), np.array([[-0.5]])]
    assert hw2.binary_accuracy(Ws, bs, X, y) == 0.75
    assert hw2.binary_accuracy(Ws, bs, X, 1.0 - y) == 0.25


def test_binary_accuracy_rejects_bad_shapes_and_survives_nan() -> None:
    X, y, Ws, bs = load_toy()
    with pytest.raises(ValueError):
        hw2.binary_accuracy(Ws, [np.zeros((10, 2)), bs[1]], X, y)
    with pytest.raises(ValueError):
        hw2.binary_accuracy(Ws[:1], bs[:1], X, y)
    nan_Ws = [np.full_like(W, np.nan) for W in Ws]
    assert hw2.binary_accuracy(nan_Ws, bs, X, y) == pytest.approx(float(np.mean(y == 0)))


def test_toy_pickle_is_reproducible_and_exercises_relu() -> None:
    X, y, Ws, bs = load_toy()
    assert X.shape == (10, 4) and y.shape == (10, 1)
    assert [W.shape for W in Ws] == [(4, 2), (2, 1)] and [b.shape for b in bs] == [(1, 2), (1, 1)]
    assert set(np.unique(y)) == {0.0, 1.0} and all(b.all() for b in bs)
    hidden = X @ Ws[0] + bs[0]
    assert (hidden > 0).any(axis=0).all() and (hidden < 0).any(axis=0).all()
    fX, fy, fWs, fbs = load_script("make_toy_pickle").make_toy()
    for ours, theirs in zip((X, y, *Ws, *bs), (fX, fy, *fWs, *fbs), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_mnist_npz_layout() -> None:
    data = load_mnist_3v9(DATA)
    assert sorted(data) == ["X_test", "X_train", "y_test", "y_train"]
    for split in ("train", "test"):
        X, y = data[f"X_{split}"], data[f"y_{split}"]
        assert X.dtype == np.uint8 and X.shape == (len(y), 784)
        assert y.dtype == np.float64 and y.shape == (len(X), 1)
        assert set(np.unique(y)) == {0.0, 1.0}
    assert (len(data["y_train"]), len(data["y_test"])) == (1608, 402)
    assert np.all(np.diff(data["y_train"].ravel()) >= 0), "train split must be sorted by label"
    assert np.any(np.diff(data["y_test"].ravel()) < 0), "test split should be mixed"


def test_train_network_reaches_threshold_and_is_deterministic() -> None:
    d = load_mnist_3v9(DATA)
    X_train, y_train = d["X_train"] / 255.0, d["y_train"]
    X_test, y_test = d["X_test"] / 255.0, d["y_test"]
    Ws, bs = hw2.train_network(X_train, y_train, [784, 200, 1], seed=0)
    assert hw2.binary_accuracy(Ws, bs, X_test, y_test) >= accuracy_threshold()
    Ws2, bs2 = hw2.train_network(X_train, y_train, [784, 200, 1], seed=0)
    for a, b in zip(Ws + bs, Ws2 + bs2, strict=True):
        np.testing.assert_array_equal(a, b)


def test_starter_matches_reference_interface() -> None:
    starter = load_module(ROOT / "testcases" / "cs189_hw2" / "starter" / "hw2.py", "starter_hw2")
    defined = [
        name
        for name, value in vars(starter).items()
        if inspect.isfunction(value) and value.__module__ == starter.__name__
    ]
    assert defined == STUDENT_FUNCTIONS
    for name in STUDENT_FUNCTIONS:
        ours, theirs = getattr(starter, name), getattr(hw2, name)
        assert str(inspect.signature(ours)) == str(inspect.signature(theirs)), name
        assert inspect.getdoc(ours) == inspect.getdoc(theirs), name
        required = [p for p in inspect.signature(ours).parameters.values() if p.default is p.empty]
        with pytest.raises(NotImplementedError):
            ours(*[None] * len(required))
