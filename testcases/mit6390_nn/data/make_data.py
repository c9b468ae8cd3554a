"""Write the data files of the MIT 6.390 "Neural Networks" assignment (fixed seeds).

Column-vector layout throughout: a batch of ``b`` points with ``m`` features is ``m x b``,
and labels are one-hot ``k x b``.

- ``scenario.npz`` (public): inputs of the object scenarios, from
  ``np.random.default_rng(6390)``:
  ``z`` 6 x 1 for ``dReLU_dz`` (holds an exact 0: the derivative there is 0);
  ``W`` 3 x 2, ``W0`` 2 x 1, ``A`` 3 x 4, ``dLdZ`` 2 x 4 for ``Linear(3, 2)``;
  ``Z`` 3 x 4 (two exact zeros) and ``dLdA`` 3 x 4 for the activations;
  ``Ypred`` 3 x 4 (columns are softmax outputs) and ``Y`` 3 x 4 one-hot for ``NLL``;
  ``W1 W01 W2 W02 W3 W03`` (2 x 3, 3 x 1, 3 x 3, 3 x 1, 3 x 2, 2 x 1: the homework's
  network 2-3-3-2, offsets non-zero), ``X`` 2 x 5 and ``Yx`` 2 x 5 one-hot for
  ``Sequential``.
- ``train.npz`` (public): ``X`` 2 x 200, ``Y`` 2 x 200 one-hot: XOR blobs, four Gaussian
  clusters (standard deviation 0.3) at (+-1, +-1), class 0 at (1, 1) and (-1, -1),
  class 1 at (1, -1) and (-1, 1). No linear classifier does much better than chance.
- ``test_inputs.npz`` (public) ``X`` 2 x 200 and ``test_labels.npz`` (hidden) ``Y``
  2 x 200: a second draw from the same distribution; the labels never enter the sandbox.

The XOR data come from ``np.random.default_rng(1)``: train first, then test.

Run from anywhere: ``python testcases/mit6390_nn/data/make_data.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SCENARIO_SEED = 6390
XOR_SEED = 1
XOR_NOISE = 0.3
N_TRAIN = N_TEST = 200
CENTERS = np.array([[1.0, -1.0, 1.0, -1.0], [1.0, -1.0, -1.0, 1.0]])  # columns: clusters


def one_hot(labels: np.ndarray, k: int) -> np.ndarray:
    """``k x len(labels)`` one-hot columns."""
    return np.eye(k)[:, labels]


def xor_blobs(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of the XOR problem: X 2 x n, Y 2 x n one-hot."""
    cluster = rng.integers(0, 4, n)
    X = CENTERS[:, cluster] + rng.normal(0.0, XOR_NOISE, (2, n))
    return X, one_hot((cluster >= 2).astype(int), 2)


def make_xor() -> dict[str, np.ndarray]:
    """X_train, Y_train, X_test, Y_test."""
    rng = np.random.default_rng(XOR_SEED)
    X_train, Y_train = xor_blobs(N_TRAIN, rng)
    X_test, Y_test = xor_blobs(N_TEST, rng)
    return {"X_train": X_train, "Y_train": Y_train, "X_test": X_test, "Y_test": Y_test}


def make_scenario() -> dict[str, np.ndarray]:
    """The small fixed inputs of the object scenarios."""
    rng = np.random.default_rng(SCENARIO_SEED)
    z = np.array([[-2.0], [-0.5], [0.0], [0.25], [1.5], [3.0]])
    Z = rng.normal(0.0, 1.5, (3, 4))
    Z[0, 1] = Z[2, 3] = 0.0
    logits = rng.normal(0.0, 1.0, (3, 4))
    Ypred = np.exp(logits) / np.exp(logits).sum(axis=0)
    return {
        "z": z,
        "W": rng.normal(0.0, 0.6, (3, 2)),
        "W0": rng.normal(0.0, 0.3, (2, 1)),
        "A": rng.normal(0.0, 1.0, (3, 4)),
        "dLdZ": rng.normal(0.0, 1.0, (2, 4)),
        "Z": Z,
        "dLdA": rng.normal(0.0, 1.0, (3, 4)),
        "Ypred": Ypred,
        "Y": one_hot(np.array([0, 2, 1, 2]), 3),
        "W1": rng.normal(0.0, 0.8, (2, 3)),
        "W01": rng.normal(0.0, 0.3, (3, 1)),
        "W2": rng.normal(0.0, 0.6, (3, 3)),
        "W02": rng.normal(0.0, 0.3, (3, 1)),
        "W3": rng.normal(0.0, 0.6, (3, 2)),
        "W03": rng.normal(0.0, 0.3, (2, 1)),
        "X": rng.normal(0.0, 1.0, (2, 5)),
        "Yx": one_hot(np.array([0, 1, 1, 0, 1]), 2),
    }


def main() -> None:
    """Write the four npz files next to this script."""
    xor = make_xor()
    np.savez(HERE / "scenario.npz", **make_scenario())
    np.savez(HERE / "train.npz", X=xor["X_train"], Y=xor["Y_train"])
    np.savez(HERE / "test_inputs.npz", X=xor["X_test"])
    np.savez(HERE / "test_labels.npz", Y=xor["Y_test"])


if __name__ == "__main__":
    main()
