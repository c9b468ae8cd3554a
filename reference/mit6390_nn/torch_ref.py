"""Independent PyTorch (float64, autograd) gradients for the MIT 6.390 network modules.

Column-vector layout as in the homework: ``Z = W.T @ A + W0`` with ``A`` of shape m x b.
Gradients come from autograd, not from any hand-written derivative, so they are an
independent check of ``nn.Linear.backward`` and of backpropagation through
``nn.Sequential``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu}


def _leaf(a: np.ndarray) -> torch.Tensor:
    """A float64 copy of ``a`` that collects gradients."""
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=True)


def _grad(t: torch.Tensor) -> np.ndarray:
    if t.grad is None:
        raise RuntimeError("autograd left a tensor without a gradient")
    return t.grad.detach().numpy().copy()


def linear_grads(
    W: np.ndarray, W0: np.ndarray, A: np.ndarray, dLdZ: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dLdW, dLdW0, dLdA) of one linear module given the upstream gradient ``dLdZ``.

    The loss ``sum(Z * dLdZ)`` has exactly ``dLdZ`` as its gradient with respect to Z, so
    its gradients with respect to W, W0 and A are the chain rule's products.
    """
    tW, tW0, tA = _leaf(W), _leaf(W0), _leaf(A)
    Z = tW.T @ tA + tW0
    (Z * torch.tensor(np.asarray(dLdZ), dtype=torch.float64)).sum().backward()
    return _grad(tW), _grad(tW0), _grad(tA)


def network_grads(
    params: Sequence[tuple[np.ndarray, np.ndarray]],
    activations: Sequence[str],
    X: np.ndarray,
    Y: np.ndarray,
) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
    """NLL of a network and its gradients with respect to every (W, W0).

    Layer ``l`` computes ``Z = W.T @ A + W0`` and then ``activations[l]`` (``tanh`` or
    ``relu``) for hidden layers; the last layer is followed by a softmax over each column
    and the loss ``-sum(Y * log(softmax))`` summed over the batch.
    """
    if len(activations) != len(params) - 1:
        raise ValueError("one activation per hidden layer")
    leaves = [(_leaf(W), _leaf(W0)) for W, W0 in params]
    A = torch.tensor(np.asarray(X), dtype=torch.float64)
    for layer, (W, W0) in enumerate(leaves):
        Z = W.T @ A + W0
        A = ACTIVATIONS[activations[layer]](Z) if layer < len(activations) else Z
    Ypred = torch.softmax(A, dim=0)
    loss = -(torch.tensor(np.asarray(Y), dtype=torch.float64) * torch.log(Ypred)).sum()
    loss.backward()
    return float(loss.detach()), [(_grad(W), _grad(W0)) for W, W0 in leaves]
