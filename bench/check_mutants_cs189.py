"""Cross-check testcases/cs189_hw2/mutants.yaml against an in-process copy of the 13 tests.

For the unmutated reference and for every mutant, the mutated source of
reference/cs189_hw2/hw2.py is executed as a module and each of the assignment's
tests is evaluated in-process against the trusted reference; the script prints the
tests each variant fails and exits 1 if that differs from the mutant's ``fails`` list
(or if the reference itself fails a test). This mirrors what the real grader checks,
without its sandbox:

- match tests compare shapes exactly and values with rtol 1e-7, atol 1e-10, except the
  clipping test, which compares ``out`` and ``1 - out`` with rtol 1e-7 and atol 0
  (an absolute tolerance would not see a 1e-15 clip);
- floating-point warnings are ignored except in the overflow test, which fails on any
  RuntimeWarning or FloatingPointError mentioning overflow;
- weight spread: all entries pooled, mean in [-5e-4, 5e-4], std in [0.0095, 0.0105];
- training: accuracy of the returned network on X_test / 255 (trusted
  ``binary_accuracy``) must reach ``ACCURACY_THRESHOLD``.

Run: ``python bench/check_mutants_cs189.py [--only NAME ...]`` from the repository root.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reference.cs189_hw2 import ACCURACY_THRESHOLD, TEST_NAMES, hw2  # noqa: E402

REFERENCE_SOURCE = ROOT / "reference" / "cs189_hw2" / "hw2.py"
MUTANTS = ROOT / "testcases" / "cs189_hw2" / "mutants.yaml"
DATA = ROOT / "testcases" / "cs189_hw2" / "data"
RTOL, ATOL = 1e-7, 1e-10


class Failed(AssertionError):
    """A test's comparison did not hold."""


def match(got: Any, want: Any, what: str, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Recursively compare lists/tuples and arrays: same structure, shapes, close values."""
    if isinstance(want, list | tuple):
        if not isinstance(got, list | tuple) or len(got) != len(want):
            raise Failed(f"{what}: expected a sequence of {len(want)}, got {type(got).__name__}")
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            match(g, w, f"{what}[{i}]", rtol, atol)
        return
    g, w = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if g.shape != w.shape:
        raise Failed(f"{what}: shape {g.shape}, expected {w.shape}")
    if not np.allclose(g, w, rtol=rtol, atol=atol):
        raise Failed(f"{what}: max abs difference {np.max(np.abs(g - w)):.3g}")


def load_toy() -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """The toy batch and parameters."""
    with (DATA / "test_batch_weights_biases.pkl").open("rb") as fh:
        return pickle.load(fh)


def toy_forward(m: Any) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """A module's forward output and caches on the toy network, and the toy labels."""
    X, y, Ws, bs = load_toy()
    out, caches = m.forward_pass(X, Ws, bs, [m.relu_activation, m.sigmoid_activation])
    return out, caches, y


def t_sigmoid_small(m: Any) -> None:
    s = np.asarray([1.0, 0.0, -1.0])
    match(m.sigmoid_activation(s.copy()), hw2.sigmoid_activation(s), "(out, grad)")


def t_sigmoid_overflow(m: Any) -> None:
    s = np.asarray([-1000, 1000])
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
        warnings.simplefilter("always")
        out, _ = m.sigmoid_activation(s)
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    if any("overflow" in msg for msg in messages):
        raise Failed(f"warnings: {messages}")
    if not np.all(np.isfinite(np.asarray(out, dtype=np.float64))):
        raise Failed("non-finite output")


def t_sigmoid_clip(m: Any) -> None:
    s = np.asarray([-1000.0, -40.0, 40.0, 1000.0])
    got, _ = m.sigmoid_activation(s.copy())
    want, _ = hw2.sigmoid_activation(s)
    match(got, want, "out", atol=0.0)
    match(1.0 - np.asarray(got, dtype=np.float64), 1.0 - want, "1 - out", atol=0.0)


def t_logistic_loss(m: Any) -> None:
    rng = np.random.default_rng(2024)
    g = rng.uniform(0.05, 0.95, size=(6, 1))
    y = np.array([[0.0], [1.0], [1.0], [0.0], [1.0], [0.0]])
    match(m.logistic_loss(g.copy(), y.copy()), hw2.logistic_loss(g, y), "(loss, dL_dg)")


def t_relu(m: Any) -> None:
    s = np.random.default_rng(2025).normal(size=(5, 4))
    match(m.relu_activation(s.copy()), hw2.relu_activation(s), "(out, grad)")


def t_layer_forward(m: Any) -> None:
    rng = np.random.default_rng(2026)
    x, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=(1, 4))
    got, _ = m.layer_forward(x.copy(), W.copy(), b.copy(), m.relu_activation)
    want, _ = hw2.layer_forward(x, W, b, hw2.relu_activation)
    match(got, want, "out")


def t_weights(m: Any) -> None:
    np.random.seed(0)
    Ws = m.create_weight_matrices([784, 200, 1])
    shapes = [np.shape(W) for W in Ws]
    if shapes != [(784, 200), (200, 1)]:
        raise Failed(f"shapes {shapes}")
    pooled = np.concatenate([np.asarray(W, dtype=np.float64).ravel() for W in Ws])
    mean, std = pooled.mean(), pooled.std()
    if not (abs(mean) <= 5e-4 and 0.0095 <= std <= 0.0105):
        raise Failed(f"mean {mean:.3g}, std {std:.3g}")


def t_biases(m: Any) -> None:
    bs = m.create_bias_vectors([784, 200, 1])
    shapes = [np.shape(b) for b in bs]
    if shapes != [(1, 200), (1, 1)] or any(np.any(np.asarray(b) != 0) for b in bs):
        raise Failed(f"shapes {shapes} or non-zero entries")


def t_forward_toy(m: Any) -> None:
    got, _, _ = toy_forward(m)
    want, _, _ = toy_forward(hw2)
    match(got, want, "output")


def t_loss_toy(m: Any) -> None:
    out, _, y = toy_forward(m)
    ref_out, _, _ = toy_forward(hw2)
    loss, _ = m.logistic_loss(out, y.copy())
    match(loss, hw2.logistic_loss(ref_out, y)[0], "loss")


def t_backward_toy(m: Any) -> None:
    out, caches, y = toy_forward(m)
    _, dL_dg = m.logistic_loss(out, y.copy())
    got = m.backward_pass(dL_dg, caches)
    ref_out, ref_caches, _ = toy_forward(hw2)
    want = hw2.backward_pass(hw2.logistic_loss(ref_out, y)[1], ref_caches)
    match(got, want, "(grad_Ws, grad_bs)")


def _cubic_sine(a: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64)
    return float(np.sum(a**3) + np.sum(np.sin(a)))


def t_finite_difference(m: Any) -> None:
    a = np.random.default_rng(2027).uniform(0.5, 2.0, size=(3, 2))
    before = a.copy()
    got = m.finite_difference(_cubic_sine, a)
    if not np.array_equal(a, before):
        raise Failed("the input array was modified")
    match(got, hw2.finite_difference(_cubic_sine, before), "gradient", rtol=0.0, atol=1e-8)


def t_train(m: Any) -> None:
    with np.load(DATA / "mnist_3v9.npz") as d:
        X_train, y_train = d["X_train"] / 255.0, d["y_train"]
        X_test, y_test = d["X_test"] / 255.0, d["y_test"]
    Ws, bs = m.train_network(X_train, y_train, [784, 200, 1], 100, 0.1, 5, 0)
    accuracy = hw2.binary_accuracy(Ws, bs, X_test, y_test)
    if accuracy < ACCURACY_THRESHOLD:
        raise Failed(f"test accuracy {accuracy:.4f} < {ACCURACY_THRESHOLD}")


TESTS: dict[str, Callable[[Any], None]] = dict(
    zip(
        TEST_NAMES,
        [
            t_sigmoid_small,
            t_sigmoid_overflow,
            t_sigmoid_clip,
            t_logistic_loss,
            t_relu,
            t_layer_forward,
            t_weights,
            t_biases,
            t_forward_toy,
            t_loss_toy,
            t_backward_toy,
            t_finite_difference,
            t_train,
        ],
        strict=True,
    )
)


def run_tests(module: types.ModuleType) -> dict[str, str]:
    """Failing test name -> reason, for a module."""
    failures = {}
    for name, test in TESTS.items():
        try:
            if name == TEST_NAMES[1]:
                test(module)
            else:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    test(module)
        except Exception as exc:
            failures[name] = f"{type(exc).__name__}: {exc}"
    return failures


def mutated_module(name: str, source: str) -> types.ModuleType:
    """Execute ``source`` as a fresh module named after the mutant."""
    module = types.ModuleType(f"mutant_{name}")
    exec(compile(source, f"<mutant {name}>", "exec"), module.__dict__)
    return module


def main() -> None:
    """Evaluate the reference and every mutant; exit 1 on any disagreement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="mutant names to check")
    args = parser.parse_args()
    source = REFERENCE_SOURCE.read_text()
    mutants = yaml.safe_load(MUTANTS.read_text())
    variants = [{"name": "reference", "old": "", "new": "", "fails": []}, *mutants]
    problems = 0
    for entry in variants:
        if args.only is not None and entry["name"] not in args.only:
            continue
        count = source.count(entry["old"]) if entry["old"] else 1
        if count != 1:
            print(f"{entry['name']}: `old` occurs {count} times")
            problems += 1
            continue
        mutated = source.replace(entry["old"], entry["new"]) if entry["old"] else source
        start = time.perf_counter()
        failures = run_tests(mutated_module(entry["name"], mutated))
        elapsed = time.perf_counter() - start
        agrees = set(failures) == set(entry["fails"])
        problems += not agrees
        print(f"{entry['name']} ({elapsed:.1f} s): {'OK' if agrees else 'MISMATCH'}")
        for test in TEST_NAMES:
            if test in failures:
                print(f"    FAIL {test}: {failures[test][:160]}")
        for test in sorted(set(entry["fails"]) - set(failures)):
            print(f"    listed in fails but passes: {test}")
    print(f"{problems} problem(s)")
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    main()
