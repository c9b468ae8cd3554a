"""Checks of the MIT 6.390 "Neural Networks" reference solution and of its trusted data."""

from __future__ import annotations

import importlib.util
import inspect
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import yaml

from reference.mit6390_nn import load_scenario, load_xor, nn, torch_ref

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "testcases" / "mit6390_nn"
DATA = ASSIGNMENT / "data"
TRAIN_TEST = "Sequential.sgd trains on XOR blobs"
STUDENT_NAMES = ["dReLU_dz", "Module", "Linear", "Tanh", "ReLU", "SoftMax", "NLL", "Sequential"]

Params = list[tuple[np.ndarray, np.ndarray]]


def spec() -> dict[str, Any]:
    return yaml.safe_load((ASSIGNMENT / "assignment.yaml").read_text())


def spec_test(name: str) -> dict[str, Any]:
    return next(t for t in spec()["tests"] if t["name"] == name)


def answer_checks() -> dict[str, dict[str, Any]]:
    """Question id -> its answer check in the YAML (the one source of the right values)."""
    return {c["answer"]: c for t in spec()["tests"] for c in t["checks"] if "answer" in c}


def load_module(path: Path, name: str) -> ModuleType:
    """Import the Python file at ``path`` as a module called ``name``."""
    module_spec = importlib.util.spec_from_file_location(name, path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def linear_with(W: np.ndarray, W0: np.ndarray) -> nn.Linear:
    lin = nn.Linear(*W.shape)
    lin.W, lin.W0 = W.copy(), W0.copy()
    return lin


def build(params: Params, activations: list[str]) -> nn.Sequential:
    """A reference Sequential with the given weights: Linear, activation, ..., SoftMax."""
    kinds = {"tanh": nn.Tanh, "relu": nn.ReLU}
    modules: list[nn.Module] = []
    for layer, (W, W0) in enumerate(params):
        modules.append(linear_with(W, W0))
        modules.append(kinds[activations[layer]]() if layer < len(activations) else nn.SoftMax())
    return nn.Sequential(modules, nn.NLL())


def scenario_network() -> tuple[Params, np.ndarray, np.ndarray]:
    s = load_scenario(DATA)
    return [(s["W1"], s["W01"]), (s["W2"], s["W02"]), (s["W3"], s["W03"])], s["X"], s["Yx"]


def deep_random() -> tuple[Params, np.ndarray, np.ndarray]:
    """A wider random network 4-5-6-3 on 7 points, for a second gradient check."""
    rng = np.random.default_rng(7)
    sizes = [4, 5, 6, 3]
    params = [
        (rng.normal(0.0, 0.7, (m, n)), rng.normal(0.0, 0.3, (n, 1))) for m, n in pairwise(sizes)
    ]
    X = rng.normal(size=(4, 7))
    return params, X, np.eye(3)[:, rng.integers(0, 3, 7)]


# ---------------------------------------------------------------- gradients against autograd


@pytest.mark.parametrize("source", ["scenario", "random"])
def test_linear_backward_matches_torch_autograd(source: str) -> None:
    if source == "scenario":
        s = load_scenario(DATA)
        W, W0, A, dLdZ = s["W"], s["W0"], s["A"], s["dLdZ"]
    else:
        rng = np.random.default_rng(3)
        W, W0 = rng.normal(size=(5, 4)), rng.normal(size=(4, 1))
        A, dLdZ = rng.normal(size=(5, 6)), rng.normal(size=(4, 6))
    lin = linear_with(W, W0)
    Z = lin.forward(A)
    np.testing.assert_allclose(Z, W.T @ A + W0, rtol=0, atol=1e-12)
    dLdA = lin.backward(dLdZ)
    t_dLdW, t_dLdW0, t_dLdA = torch_ref.linear_grads(W, W0, A, dLdZ)
    for ours, theirs in ((lin.dLdW, t_dLdW), (lin.dLdW0, t_dLdW0), (dLdA, t_dLdA)):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


NETWORKS = {
    "scenario tanh-relu": (scenario_network, ["tanh", "relu"]),
    "scenario tanh-tanh": (scenario_network, ["tanh", "tanh"]),
    "random relu-tanh": (deep_random, ["relu", "tanh"]),
}


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_sequential_backward_matches_torch_autograd(network: str) -> None:
    make, activations = NETWORKS[network]
    params, X, Y = make()
    net = build(params, activations)
    loss = net.loss.forward(net.forward(X), Y)
    net.backward(net.loss.backward())
    t_loss, t_grads = torch_ref.network_grads(params, activations, X, Y)
    assert loss == pytest.approx(t_loss, rel=1e-12)
    linears = [m for m in net.modules if isinstance(m, nn.Linear)]
    for lin, (t_dLdW, t_dLdW0) in zip(linears, t_grads, strict=True):
        np.testing.assert_allclose(lin.dLdW, t_dLdW, rtol=0, atol=1e-10)
        np.testing.assert_allclose(lin.dLdW0, t_dLdW0, rtol=0, atol=1e-10)


def test_scenario_relu_layer_has_live_and_dead_units() -> None:
    """A wrong ReLU derivative must change the Sequential gradients of the scenario."""
    params, X, _ = scenario_network()
    (W1, W01), (W2, W02), _ = params
    Z2 = W2.T @ np.tanh(W1.T @ X + W01) + W02
    assert (Z2 > 0).any() and (Z2 < 0).any()


# ---------------------------------------------------------------- modules by hand


def test_drelu_and_relu_agree_at_zero() -> None:
    z = load_scenario(DATA)["z"]
    assert z.shape == (6, 1) and (z == 0).any()
    np.testing.assert_array_equal(nn.dReLU_dz(z), (z > 0).astype(float))
    relu = nn.ReLU()
    relu.forward(z)
    np.testing.assert_array_equal(relu.backward(np.ones_like(z)), nn.dReLU_dz(z))


def test_softmax_columns_and_class_fun() -> None:
    Z = np.array([[1.0, 1000.0], [2.0, -1000.0], [3.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow is fine
        P = nn.SoftMax().forward(Z)
    np.testing.assert_allclose(P.sum(axis=0), [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(P[:, 0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), rtol=1e-14)
    np.testing.assert_array_equal(nn.SoftMax().class_fun(P), [2, 0])


def test_nll_forward_and_backward() -> None:
    s = load_scenario(DATA)
    nll = nn.NLL()
    loss = nll.forward(s["Ypred"], s["Y"])
    assert isinstance(loss, float)
    picked = s["Ypred"][np.argmax(s["Y"], axis=0), np.arange(4)]
    assert loss == pytest.approx(-np.log(picked).sum(), rel=1e-14)
    np.testing.assert_array_equal(nll.backward(), s["Ypred"] - s["Y"])


def test_linear_init_draws_from_n_0_1_over_m() -> None:
    np.random.seed(0)
    lin = nn.Linear(400, 300)
    assert lin.W.shape == (400, 300) and lin.W0.shape == (300, 1) and not lin.W0.any()
    assert abs(lin.W.mean()) < 1.5e-3 and 0.049 < lin.W.std() < 0.051


def test_accuracy_by_hand_and_with_nan() -> None:
    Y = np.eye(2)[:, [0, 1, 1, 0]]
    P = np.array([[0.9, 0.2, 0.6, 0.5], [0.1, 0.8, 0.4, 0.5]])
    assert nn.accuracy(P, Y) == 0.75  # column 2 is wrong; a tie picks class 0
    P_nan = P.copy()
    P_nan[:, 1] = np.nan
    assert nn.accuracy(P_nan, Y) == 0.5
    with pytest.raises(ValueError):
        nn.accuracy(P[:, :3], Y)


# ---------------------------------------------------------------- the numeric answers


def answers_from_reference_modules() -> dict[str, Any]:
    """Questions 1.1, 1.4, 2.2.1 and 2.2.2, computed with the reference modules."""
    # 1: one ReLU hidden unit and a linear output; w1 = -2, b1 = 3, w2 = 3, b2 = 0.
    l1, relu = linear_with(np.array([[-2.0]]), np.array([[3.0]])), nn.ReLU()
    l2 = linear_with(np.array([[3.0]]), np.array([[0.0]]))
    x, y = np.array([[1.0]]), np.array([[1.0]])
    a2 = l2.forward(relu.forward(l1.forward(x)))
    l1.backward(relu.backward(l2.backward(2.0 * (a2 - y))))  # squared loss (a2 - y)^2
    l1.sgd_step(0.5)
    # 2: two inputs, four ReLU units, a softmax over two outputs.
    W1 = np.array([[1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, -1.0]])
    h1 = linear_with(W1, np.full((4, 1), -1.0))
    h2 = linear_with(np.array([[1.0, -1.0]] * 4), np.array([[0.0], [2.0]]))
    a1 = nn.ReLU().forward(h1.forward(np.array([[3.0], [14.0]])))
    out = nn.SoftMax().forward(h2.forward(a1))
    return {
        "1.1": float(a2[0, 0]),
        "1.4": float(l1.W[0, 0]),
        "2.2.1": a1.ravel().tolist(),
        "2.2.2": out.ravel().tolist(),
    }


def close(got: Any, check: dict[str, Any]) -> bool:
    got, want = np.asarray(got, dtype=float), np.asarray(check["equals"], dtype=float)
    return got.shape == want.shape and bool(
        np.all(np.abs(got - want) <= check["atol"] + check["rtol"] * np.abs(want))
    )


def test_yaml_answers_match_the_reference_modules_and_reference_answers_file() -> None:
    checks = answer_checks()
    assert sorted(checks) == ["1.1", "1.4", "2.2.1", "2.2.2"]
    computed = answers_from_reference_modules()
    submitted = yaml.safe_load((ROOT / "reference" / "mit6390_nn" / "answers.yaml").read_text())
    for qid, check in checks.items():
        assert close(computed[qid], check), (qid, computed[qid], check["equals"])
        np.testing.assert_allclose(computed[qid], check["equals"], rtol=1e-12, atol=1e-18)
        assert close(submitted[qid], check), qid
    starter = yaml.safe_load((ASSIGNMENT / "starter" / "answers.yaml").read_text())
    assert starter == dict.fromkeys(checks)


def test_answer_tolerance_rejects_near_misses() -> None:
    checks = answer_checks()
    assert not close(-7.0, checks["1.4"]) and not close(2.0, checks["1.1"])  # 1.4: b1 forgot
    assert close([1, 0], checks["2.2.2"]) and not close([0.5, 0.5], checks["2.2.2"])
    assert not close([2, 13, -4, -15], checks["2.2.1"])  # pre-activations, not activations


# ---------------------------------------------------------------- data files


def test_data_files_are_reproducible() -> None:
    script = load_module(DATA / "make_data.py", "make_mit6390_data")
    scenario, xor = script.make_scenario(), script.make_xor()
    for key, value in load_scenario(DATA).items():
        np.testing.assert_array_equal(value, scenario[key], err_msg=key)
    for key, value in load_xor(DATA).items():
        np.testing.assert_array_equal(value, xor[key], err_msg=key)


def test_data_layout_and_hidden_labels() -> None:
    d = load_xor(DATA)
    assert sorted(d) == ["X_test", "X_train", "Y_test", "Y_train"]
    for split in ("train", "test"):
        X, Y = d[f"X_{split}"], d[f"Y_{split}"]
        assert X.shape == (2, 200) and Y.shape == (2, 200) and X.dtype == np.float64
        assert set(np.unique(Y)) == {0.0, 1.0} and np.all(Y.sum(axis=0) == 1)
        assert 0.4 < Y[1].mean() < 0.6
    with np.load(DATA / "test_inputs.npz") as public:
        assert public.files == ["X"], "the public test file must not hold labels"
    fixtures = spec()["fixtures"]
    assert fixtures["test_labels"]["visibility"] == "hidden"
    assert fixtures["test_inputs"]["visibility"] == "public"


def test_xor_needs_a_hidden_layer() -> None:
    """The best linear classifier (least squares on +-1 targets) is near chance."""
    d = load_xor(DATA)
    X1 = np.vstack([d["X_train"], np.ones((1, 200))])
    w, *_ = np.linalg.lstsq(X1.T, d["Y_train"][1] * 2 - 1, rcond=None)
    Xt = np.vstack([d["X_test"], np.ones((1, 200))])
    linear_acc = np.mean((w @ Xt > 0) == (d["Y_test"][1] == 1))
    assert linear_acc < 0.7


def test_training_reaches_threshold_and_is_deterministic() -> None:
    test = spec_test(TRAIN_TEST)
    sgd = next(s for s in test["steps"] if s.get("call") == "sgd")
    sizes = [s["args"] for s in test["steps"] if s.get("call") == "Linear"]
    threshold = next(c["min"] for c in test["checks"] if "metric" in c)
    d = load_xor(DATA)
    outputs = []
    for _ in range(2):
        np.random.seed(next(s["seed"] for s in test["steps"] if "seed" in s))
        (m1, n1), (m2, n2), (m3, n3) = sizes  # built in the YAML's order
        modules = [nn.Linear(m1, n1), nn.Tanh(), nn.Linear(m2, n2), nn.Tanh(), nn.Linear(m3, n3)]
        net = nn.Sequential([*modules, nn.SoftMax()], nn.NLL())
        net.sgd(d["X_train"], d["Y_train"], **sgd["kwargs"])
        outputs.append(net.forward(d["X_test"]))
    assert nn.accuracy(outputs[0], d["Y_test"]) >= threshold
    np.testing.assert_array_equal(outputs[0], outputs[1])


# ---------------------------------------------------------------- starter and seed code


def public_methods(cls: type) -> dict[str, Any]:
    return {k: v for k, v in vars(cls).items() if inspect.isfunction(v)}


def test_starter_matches_reference_interface() -> None:
    starter = load_module(ASSIGNMENT / "starter" / "nn.py", "starter_nn")
    defined = [
        name
        for name, value in vars(starter).items()
        if (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == starter.__name__
    ]
    assert defined == STUDENT_NAMES
    for name in STUDENT_NAMES:
        ours, theirs = getattr(starter, name), getattr(nn, name)
        assert inspect.getdoc(ours) == inspect.getdoc(theirs), name
        if inspect.isfunction(ours):
            assert str(inspect.signature(ours)) == str(inspect.signature(theirs)), name
            with pytest.raises(NotImplementedError):
                ours(None)
            continue
        assert [b.__name__ for b in ours.__bases__] == [b.__name__ for b in theirs.__bases__]
        methods = public_methods(ours)
        assert list(methods) == list(public_methods(theirs)), name
        for method, fn in methods.items():
            ref_fn = getattr(theirs, method)
            assert str(inspect.signature(fn)) == str(inspect.signature(ref_fn)), method
            assert inspect.getdoc(fn) == inspect.getdoc(ref_fn), f"{name}.{method}"
            if name == "Module":  # the base class's no-op step is given
                continue
            required = [
                p for p in inspect.signature(fn).parameters.values() if p.default is p.empty
            ]
            with pytest.raises(NotImplementedError):
                fn(*[object.__new__(ours)] + [None] * (len(required) - 1))


def test_seed_quoted_code_trains_like_the_reference() -> None:
    """The seed's Linear, Tanh, SoftMax, NLL and sgd draw and update exactly as ours."""
    seed = load_module(ASSIGNMENT / "examples" / "seed_quoted" / "nn.py", "seed_quoted_nn")
    d = load_xor(DATA)
    preds = []
    for module in (nn, seed):
        np.random.seed(0)
        layers = [module.Linear(2, 4), module.Tanh(), module.Linear(4, 2), module.SoftMax()]
        net = module.Sequential(layers, module.NLL())
        net.sgd(d["X_train"], d["Y_train"], iters=300, lrate=0.05)
        preds.append(net.forward(d["X_test"]))
    np.testing.assert_allclose(preds[0], preds[1], rtol=1e-9, atol=1e-12)
