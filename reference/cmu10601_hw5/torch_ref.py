"""Independent PyTorch (float64, autograd) check of the CMU 10-601 HW5 backward pass.

The network is the homework's: ``z = sigmoid(alpha @ [1, x])``,
``yhat = softmax(beta @ [1, z])`` and the loss ``-log yhat[label]``, with the bias in
column 0 of ``alpha`` and ``beta``. Gradients come from autograd, not from any
hand-written derivative, so they are an independent check of ``neuralnet.backward``.
"""

from __future__ import annotations

import numpy as np
import torch


def _leaf(a: np.ndarray) -> torch.Tensor:
    """A float64 copy of ``a`` that collects gradients."""
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=True)


def example_loss_and_grads(
    x: np.ndarray, label: int, alpha: np.ndarray, beta: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Cross-entropy of one example and its gradients w.r.t. alpha and beta, by autograd.

    ``x`` holds the M features WITHOUT the leading 1 (added here); ``alpha`` is
    ``D x (M + 1)``, ``beta`` is ``K x (D + 1)``. Returns (loss, dJ/dalpha, dJ/dbeta) as
    float64 NumPy arrays shaped like the parameters.
    """
    alpha_t, beta_t = _leaf(alpha), _leaf(beta)
    x_t = torch.tensor(np.asarray(x), dtype=torch.float64).reshape(-1)
    one = torch.ones(1, dtype=torch.float64)
    z = torch.sigmoid(alpha_t @ torch.cat((one, x_t)))
    logits = beta_t @ torch.cat((one, z))
    loss = -torch.log_softmax(logits, dim=0)[int(label)]
    loss.backward()
    if alpha_t.grad is None or beta_t.grad is None:
        raise RuntimeError("autograd left a parameter without a gradient")
    return (
        float(loss.detach()),
        alpha_t.grad.detach().numpy().copy(),
        beta_t.grad.detach().numpy().copy(),
    )


def random_case(
    seed: int, num_features: int = 6, hidden_units: int = 4, num_classes: int = 10
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """A small random problem: (``x`` 0/1 features without the leading 1, ``label``,
    ``alpha`` with nonzero biases, ``beta`` with nonzero biases), float64, from ``seed``."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, size=num_features).astype(np.float64)
    label = int(rng.integers(0, num_classes))
    alpha = rng.uniform(-1.0, 1.0, size=(hidden_units, num_features + 1))
    beta = rng.uniform(-1.0, 1.0, size=(num_classes, hidden_units + 1))
    return x, label, alpha, beta
