"""MIT 6.390 homework "Neural Networks": a modular neural network in NumPy (starter).

Column-vector convention: a batch of ``b`` points with ``m`` features is an ``m x b``
array. ``Linear(m, n)`` holds ``W`` (``m x n``) and ``W0`` (``n x 1``). Every module has
``forward`` and ``backward``; ``backward`` takes dLoss/d(output) and returns
dLoss/d(input), and a linear module also stores ``dLdW`` and ``dLdW0`` for ``sgd_step``.
``SoftMax`` is always followed by the ``NLL`` loss, whose ``backward`` returns dLoss/dZ
of the softmax input.

Replace every ``raise NotImplementedError`` with your code. Use only NumPy.
"""

from __future__ import annotations

import numpy as np


def dReLU_dz(z: np.ndarray) -> np.ndarray:
    """Derivative of ReLU at each entry of the column vector ``z``: 1 where z > 0, else 0.

    ReLU is not differentiable at 0; the homework takes the derivative there to be 0.
    """
    raise NotImplementedError


class Module:
    def sgd_step(self, lrate: float) -> None:
        """Gradient descent step: nothing to do for a module without weights."""


class Linear(Module):
    def __init__(self, m: int, n: int) -> None:
        """Weights drawn from N(0, 1/m) with np.random, offsets zero."""
        raise NotImplementedError

    def forward(self, A: np.ndarray) -> np.ndarray:
        """Z = W.T @ A + W0 (n x b) for a batch A (m x b); stores A for backward."""
        raise NotImplementedError

    def backward(self, dLdZ: np.ndarray) -> np.ndarray:
        """Store dLdW (m x n) and dLdW0 (n x 1, summed over the batch); return dLdA (m x b)."""
        raise NotImplementedError

    def sgd_step(self, lrate: float) -> None:
        """Gradient descent step on W and W0 with the gradients stored by backward."""
        raise NotImplementedError


class Tanh(Module):
    def forward(self, Z: np.ndarray) -> np.ndarray:
        """A = tanh(Z), entry by entry; stores A for backward."""
        raise NotImplementedError

    def backward(self, dLdA: np.ndarray) -> np.ndarray:
        """dLdZ = dLdA * (1 - A**2), with the stored A."""
        raise NotImplementedError


class ReLU(Module):
    def forward(self, Z: np.ndarray) -> np.ndarray:
        """A = max(0, Z), entry by entry; stores A for backward."""
        raise NotImplementedError

    def backward(self, dLdA: np.ndarray) -> np.ndarray:
        """dLdZ = dLdA where Z > 0, 0 elsewhere (the derivative at 0 is taken to be 0)."""
        raise NotImplementedError


class SoftMax(Module):
    def forward(self, Z: np.ndarray) -> np.ndarray:
        """Softmax of every column of ``Z`` (k x b).

        Subtracting each column's maximum leaves the value unchanged and keeps np.exp
        from overflowing (the homework's question 3.3).
        """
        raise NotImplementedError

    def backward(self, dLdZ: np.ndarray) -> np.ndarray:
        """Return dLdZ unchanged: NLL.backward already gives dLoss/dZ of the softmax input."""
        raise NotImplementedError

    def class_fun(self, Ypred: np.ndarray) -> np.ndarray:
        """Index of the most likely class of every column: shape (b,)."""
        raise NotImplementedError


class NLL(Module):
    def forward(self, Ypred: np.ndarray, Y: np.ndarray) -> float:
        """Multiclass negative log-likelihood, summed over the batch."""
        raise NotImplementedError

    def backward(self) -> np.ndarray:
        """dLoss/dZ of the softmax input: Ypred - Y (k x b)."""
        raise NotImplementedError


class Sequential:
    def __init__(self, modules: list[Module], loss: NLL) -> None:
        """A network: ``modules`` applied in order, trained on the ``loss`` module."""
        raise NotImplementedError

    def sgd(self, X: np.ndarray, Y: np.ndarray, iters: int = 100, lrate: float = 0.005) -> None:
        """Stochastic gradient descent: one random column of (X, Y) per iteration."""
        raise NotImplementedError

    def forward(self, Xt: np.ndarray) -> np.ndarray:
        """Ypred: the output of the last module for the batch Xt (features x b)."""
        raise NotImplementedError

    def backward(self, delta: np.ndarray) -> None:
        """Backpropagate delta = dLoss/dZ of the last module through every module, last
        first, so that each Linear stores its dLdW and dLdW0."""
        raise NotImplementedError

    def sgd_step(self, lrate: float) -> None:
        """Gradient descent step on every module."""
        raise NotImplementedError
