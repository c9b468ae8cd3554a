"""Independent PyTorch (float64, autograd) check of the CS189 HW2 forward and backward pass.

The network is the homework's: ReLU hidden layers, a sigmoid output clipped to
[1e-15, 1 - 1e-15], and the mean over the batch of the logistic loss
``-(y log g + (1 - y) log(1 - g))``. Gradients come from autograd, not from any
hand-written derivative, so they are an independent check of ``hw2.backward_pass``.
"""

from __future__ import annotations

import numpy as np
import torch

CLIP_EPS = 1e-15


def _leaf(a: np.ndarray) -> torch.Tensor:
    """A float64 copy of ``a`` that collects gradients."""
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=True)


def mean_loss_and_grads(
    X: np.ndarray, y: np.ndarray, weight_matrices: list[np.ndarray], biases: list[np.ndarray]
) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """Mean logistic loss of the network on (X, y) and its gradients w.r.t. every W and b.

    Returns (loss, grad_Ws, grad_bs); the gradients are float64 arrays shaped like the
    parameters, in layer order.
    """
    Ws = [_leaf(W) for W in weight_matrices]
    bs = [_leaf(b) for b in biases]
    h = torch.tensor(np.asarray(X), dtype=torch.float64)
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        s = h @ W + b
        h = torch.relu(s) if layer < len(Ws) - 1 else torch.sigmoid(s)
    g = h.clamp(CLIP_EPS, 1.0 - CLIP_EPS)
    t = torch.tensor(np.asarray(y), dtype=torch.float64).reshape(g.shape)
    loss = -(t * torch.log(g) + (1.0 - t) * torch.log(1.0 - g)).mean()
    loss.backward()
    grad_Ws = [W.grad.detach().numpy().copy() for W in Ws if W.grad is not None]
    grad_bs = [b.grad.detach().numpy().copy() for b in bs if b.grad is not None]
    if len(grad_Ws) != len(Ws) or len(grad_bs) != len(bs):
        raise RuntimeError("autograd left a parameter without a gradient")
    return float(loss.detach()), grad_Ws, grad_bs
