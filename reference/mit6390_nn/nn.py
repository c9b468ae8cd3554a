"""MIT 6.390 homework "Neural Networks": modular NumPy neural network (reference solution).

Column-vector convention, as in the homework: a batch of ``b`` points with ``m`` features
is an ``m x b`` array. ``Linear(m, n)`` holds ``W`` (``m x n``) and ``W0`` (``n x 1``) and
computes ``Z = W.T @ A + W0``. Every module has ``forward`` and ``backward``; ``backward``
takes dLoss/d(output) and returns dLoss/d(input), and a linear module also stores the
gradients ``dLdW`` and ``dLdW0`` that ``sgd_step`` uses. ``SoftMax`` is always followed by
the ``NLL`` loss, whose ``backward`` already returns dLoss/dZ of the softmax input.

This file is a complete student submission: it imports only NumPy and reads no files.
``accuracy`` is the trusted metric the grader evaluates outside the sandbox.
"""

from __future__ import annotations

import numpy as np


def dReLU_dz(z: np.ndarray) -> np.ndarray:
    """Derivative of ReLU at each entry of the column vector ``z``: 1 where z > 0, else 0.

    ReLU is not differentiable at 0; the homework takes the derivative there to be 0.
    """
    return np.where(z > 0, 1.0, 0.0)


class Module:
    def sgd_step(self, lrate: float) -> None:
        """Gradient descent step: nothing to do for a module without weights."""


class Linear(Module):
    def __init__(self, m: int, n: int) -> None:
        """Weights drawn from N(0, 1/m) with np.random, offsets zero."""
        self.m, self.n = (m, n)  # (in size, out size)
        self.W0 = np.zeros([self.n, 1])  # (n x 1)
        self.W = np.random.normal(0, 1.0 * m ** (-0.5), [m, n])  # (m x n)

    def forward(self, A: np.ndarray) -> np.ndarray:
        """Z = W.T @ A + W0 (n x b) for a batch A (m x b); stores A for backward."""
        self.A = A
        return self.W.T @ A + self.W0

    def backward(self, dLdZ: np.ndarray) -> np.ndarray:
        """Store dLdW (m x n) and dLdW0 (n x 1, summed over the batch); return dLdA (m x b)."""
        self.dLdW = self.A @ dLdZ.T
        self.dLdW0 = np.sum(dLdZ, axis=1, keepdims=True)
        return self.W @ dLdZ

    def sgd_step(self, lrate: float) -> None:
        """Gradient descent step on W and W0 with the gradients stored by backward."""
        self.W = self.W - lrate * self.dLdW
        self.W0 = self.W0 - lrate * self.dLdW0


class Tanh(Module):
    def forward(self, Z: np.ndarray) -> np.ndarray:
        """A = tanh(Z), entry by entry; stores A for backward."""
        self.A = np.tanh(Z)
        return self.A

    def backward(self, dLdA: np.ndarray) -> np.ndarray:
        """dLdZ = dLdA * (1 - A**2), with the stored A."""
        return dLdA * (1.0 - self.A**2)


class ReLU(Module):
    def forward(self, Z: np.ndarray) -> np.ndarray:
        """A = max(0, Z), entry by entry; stores A for backward."""
        self.A = np.maximum(0, Z)
        return self.A

    def backward(self, dLdA: np.ndarray) -> np.ndarray:
        """dLdZ = dLdA where Z > 0, 0 elsewhere (the derivative at 0 is taken to be 0)."""
        return dLdA * (self.A != 0)


class SoftMax(Module):
    def forward(self, Z: np.ndarray) -> np.ndarray:
        """Softmax of every column of ``Z`` (k x b).

        Subtracting each column's maximum leaves the value unchanged and keeps np.exp
        from overflowing (the homework's question 3.3).
        """
        E = np.exp(Z - np.max(Z, axis=0, keepdims=True))
        return E / np.sum(E, axis=0, keepdims=True)

    def backward(self, dLdZ: np.ndarray) -> np.ndarray:
        """Return dLdZ unchanged: NLL.backward already gives dLoss/dZ of the softmax input."""
        return dLdZ

    def class_fun(self, Ypred: np.ndarray) -> np.ndarray:
        """Index of the most likely class of every column: shape (b,)."""
        return np.argmax(Ypred, axis=0)


class NLL(Module):
    def forward(self, Ypred: np.ndarray, Y: np.ndarray) -> float:
        """Multiclass negative log-likelihood, summed over the batch."""
        self.Ypred = Ypred
        self.Y = Y
        return float(-np.sum(Y * np.log(Ypred)))

    def backward(self) -> np.ndarray:
        """dLoss/dZ of the softmax input: Ypred - Y (k x b)."""
        return self.Ypred - self.Y


class Sequential:
    def __init__(self, modules: list[Module], loss: NLL) -> None:
        """A network: ``modules`` applied in order, trained on the ``loss`` module."""
        self.modules = modules
        self.loss = loss

    def sgd(self, X: np.ndarray, Y: np.ndarray, iters: int = 100, lrate: float = 0.005) -> None:
        """Stochastic gradient descent: one random column of (X, Y) per iteration."""
        N = X.shape[1]
        for _ in range(iters):
            i = np.random.randint(N)
            Xt, Yt = X[:, i : i + 1], Y[:, i : i + 1]
            Ypred = self.forward(Xt)
            self.loss.forward(Ypred, Yt)
            self.backward(self.loss.backward())
            self.sgd_step(lrate)

    def forward(self, Xt: np.ndarray) -> np.ndarray:
        """Ypred: the output of the last module for the batch Xt (features x b)."""
        for m in self.modules:
            Xt = m.forward(Xt)
        return Xt

    def backward(self, delta: np.ndarray) -> None:
        """Backpropagate delta = dLoss/dZ of the last module through every module, last
        first, so that each Linear stores its dLdW and dLdW0."""
        for m in self.modules[::-1]:
            delta = m.backward(delta)

    def sgd_step(self, lrate: float) -> None:
        """Gradient descent step on every module."""
        for m in self.modules:
            m.sgd_step(lrate)


def accuracy(Ypred: np.ndarray, Y: np.ndarray) -> float:
    """Fraction of columns whose most likely class in ``Ypred`` is the one-hot class in ``Y``.

    Trusted metric. ``Ypred`` is the network's k x n output, ``Y`` one-hot k x n. A column
    of ``Ypred`` holding NaN or infinity counts as wrong (np.argmax would pick the NaN).
    """
    Ypred = np.asarray(Ypred, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if Ypred.ndim != 2 or Ypred.shape != Y.shape:
        raise ValueError(f"predictions have shape {Ypred.shape}, labels {Y.shape}")
    finite = np.isfinite(Ypred).all(axis=0)
    right = np.argmax(np.where(finite, Ypred, 0.0), axis=0) == np.argmax(Y, axis=0)
    return float(np.mean(right & finite))
