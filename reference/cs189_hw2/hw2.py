"""CS189 HW2: a fully connected neural network in NumPy (reference solution).

Inputs are row vectors: a mini-batch is an ``n x d`` array and a layer computes
``S = X @ W + b`` with ``W`` of shape ``d_in x d_out`` and ``b`` of shape ``1 x d_out``.
Hidden layers use ReLU, the output layer a single sigmoid neuron, and the loss is
the negative log-likelihood of a Bernoulli label (logistic loss).

This file is a complete student submission: it imports only NumPy and the
standard library and reads no files. ``binary_accuracy`` is the trusted metric
that the grader evaluates outside the sandbox on a student's trained network.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import numpy as np

Activation = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
Cache = tuple[np.ndarray, np.ndarray, np.ndarray]

CLIP_EPS = 1e-15
# Past |s| = 50 the sigmoid is clipped anyway (exp(-50) ~ 2e-22 < CLIP_EPS); capping the
# exponent there keeps np.exp from underflowing, so not even an underflow flag is raised.
EXP_CAP = 50.0


def sigmoid_activation(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise, overflow-free sigmoid of ``s``; returns (out, d out / d s).

    ``out`` is clipped to [1e-15, 1 - 1e-15] so that log(out) and log(1 - out) stay
    finite; the gradient ``out * (1 - out)`` is computed from the clipped output.
    """
    s = np.asarray(s, dtype=np.float64)
    e = np.exp(-np.minimum(np.abs(s), EXP_CAP))  # in (0, 1]: never overflows
    out = np.where(s >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    out = np.clip(out, CLIP_EPS, 1.0 - CLIP_EPS)
    grad = out * (1.0 - out)
    return out, grad


def relu_activation(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ReLU of an ``n x d`` array; returns (max(s, 0), 1.0 where s > 0 else 0.0)."""
    s = np.asarray(s, dtype=np.float64)
    out = np.maximum(s, 0.0)
    grad = (s > 0).astype(np.float64)
    return out, grad


def logistic_loss(g: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-example negative log-likelihood of labels ``y`` under predictions ``g``.

    Both inputs are ``n x 1``; returns (loss, dL_dg), both ``n x 1``.
    """
    g = np.asarray(g, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if g.shape != y.shape:
        raise ValueError(f"g has shape {g.shape} but y has shape {y.shape}")
    loss = -(y * np.log(g) + (1.0 - y) * np.log(1.0 - g))
    dL_dg = -y / g + (1.0 - y) / (1.0 - g)
    return loss, dL_dg


def layer_forward(
    x: np.ndarray, W: np.ndarray, b: np.ndarray, activation_fn: Activation
) -> tuple[np.ndarray, Cache]:
    """One layer: ``out = activation_fn(x @ W + b)``.

    The cache holds what the backward pass needs: the layer input ``x`` (for dL/dW),
    the weights ``W`` (to pass the gradient on to ``x``) and the activation's
    derivative at ``S = x @ W + b``.
    """
    s = x @ W + b
    out, act_grad = activation_fn(s)
    return out, (x, W, act_grad)


def create_weight_matrices(layer_dims: list[int]) -> list[np.ndarray]:
    """Weight matrices ``d_{l-1} x d_l`` with entries drawn from N(0, 0.01^2)."""
    return [np.random.normal(0.0, 0.01, size=(d_in, d_out)) for d_in, d_out in pairwise(layer_dims)]


def create_bias_vectors(layer_dims: list[int]) -> list[np.ndarray]:
    """Zero bias row vectors ``1 x d_l``, one per layer after the input."""
    return [np.zeros((1, d)) for d in layer_dims[1:]]


def forward_pass(
    X_batch: np.ndarray,
    weight_matrices: list[np.ndarray],
    biases: list[np.ndarray],
    activations: list[Activation],
) -> tuple[np.ndarray, list[Cache]]:
    """Run every layer in turn; returns (network output ``n x d_L``, per-layer caches)."""
    out = np.asarray(X_batch, dtype=np.float64)
    caches = []
    for W, b, activation_fn in zip(weight_matrices, biases, activations, strict=True):
        out, cache = layer_forward(out, W, b, activation_fn)
        caches.append(cache)
    return out, caches


def backward_pass(
    dL_dg: np.ndarray, caches: list[Cache]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Backpropagation of the MEAN loss over the batch.

    ``dL_dg`` (``n x 1``) holds the derivative of each example's loss with respect to
    the network output; returns (grad_Ws, grad_bs) in layer order, shaped like the
    weights and biases.
    """
    n = dL_dg.shape[0]
    grad_Ws: list[np.ndarray] = [np.empty(0)] * len(caches)
    grad_bs: list[np.ndarray] = [np.empty(0)] * len(caches)
    delta = dL_dg / n  # derivative of the mean loss w.r.t. the current layer's output
    for layer in reversed(range(len(caches))):
        x, W, act_grad = caches[layer]
        dL_ds = delta * act_grad
        grad_Ws[layer] = x.T @ dL_ds
        grad_bs[layer] = np.sum(dL_ds, axis=0, keepdims=True)
        if layer > 0:
            delta = dL_ds @ W.T
    return grad_Ws, grad_bs


def finite_difference(
    f: Callable[[np.ndarray], float], a: np.ndarray, eps: float = 1e-5
) -> np.ndarray:
    """Central-difference estimate of the gradient of scalar ``f`` at array ``a``.

    Each entry is perturbed by +-eps in a private copy, so ``a`` is left untouched;
    the result has the shape of ``a``.
    """
    x = np.array(a, dtype=np.float64)  # a copy
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        x[idx] = original + eps
        f_plus = f(x)
        x[idx] = original - eps
        f_minus = f(x)
        x[idx] = original
        grad[idx] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def _network_activations(num_layers: int) -> list[Activation]:
    """ReLU for every hidden layer and a sigmoid for the output layer."""
    return [relu_activation] * (num_layers - 1) + [sigmoid_activation]


def train_network(
    X_train: np.ndarray,
    y_train: np.ndarray,
    layer_dims: list[int],
    batch_size: int = 100,
    step_size: float = 0.1,
    epochs: int = 5,
    seed: int = 0,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Mini-batch SGD on the mean logistic loss; returns (weight_matrices, biases).

    The weights come from ``create_weight_matrices`` after ``np.random.seed(seed)``;
    the training data is reshuffled at the start of every epoch.
    """
    X_train = np.asarray(X_train, dtype=np.float64)
    y_train = np.asarray(y_train, dtype=np.float64)
    np.random.seed(seed)
    rng = np.random.default_rng(seed)
    weight_matrices = create_weight_matrices(layer_dims)
    biases = create_bias_vectors(layer_dims)
    activations = _network_activations(len(layer_dims) - 1)
    n = X_train.shape[0]
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            g, caches = forward_pass(X_train[batch], weight_matrices, biases, activations)
            _, dL_dg = logistic_loss(g, y_train[batch])
            grad_Ws, grad_bs = backward_pass(dL_dg, caches)
            for W, b, grad_W, grad_b in zip(weight_matrices, biases, grad_Ws, grad_bs, strict=True):
                W -= step_size * grad_W
                b -= step_size * grad_b
    return weight_matrices, biases


def binary_accuracy(
    weight_matrices: list[np.ndarray], biases: list[np.ndarray], X: np.ndarray, y: np.ndarray
) -> float:
    """Fraction of rows of ``X`` whose prediction (output >= 0.5) equals the 0/1 label ``y``.

    Trusted metric: hidden layers use ReLU, the output a sigmoid. The shapes of the
    parameters are checked, and non-finite parameters give predictions of 0, not an error.
    """
    Ws = [np.asarray(W, dtype=np.float64) for W in weight_matrices]
    bs = [np.asarray(b, dtype=np.float64) for b in biases]
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1, 1)
    if not Ws or len(Ws) != len(bs):
        raise ValueError(f"got {len(Ws)} weight matrices and {len(bs)} bias vectors")
    d_in = X.shape[1]
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        if W.ndim != 2 or W.shape[0] != d_in or b.shape != (1, W.shape[1]):
            raise ValueError(f"layer {layer}: W {W.shape} and b {b.shape} do not fit input {d_in}")
        d_in = W.shape[1]
    if d_in != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(f"output width {d_in} or {X.shape[0]} rows do not fit {y.shape[0]} labels")
    with np.errstate(all="ignore"):
        g, _ = forward_pass(X, Ws, bs, _network_activations(len(Ws)))
        predictions = (g >= 0.5).astype(np.float64)
    return float(np.mean(predictions == y))
