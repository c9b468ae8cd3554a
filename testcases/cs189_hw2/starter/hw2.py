"""CS189 HW2: a fully connected neural network in NumPy (starter code).

Inputs are row vectors: a mini-batch is an ``n x d`` array and a layer computes
``S = X @ W + b`` with ``W`` of shape ``d_in x d_out`` and ``b`` of shape ``1 x d_out``.
Hidden layers use ReLU, the output layer a single sigmoid neuron, and the loss is
the negative log-likelihood of a Bernoulli label (logistic loss).

Fill in every function below and submit this file as ``hw2.py``. Use only NumPy and
the Python standard library; do not read any file.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Activation = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
Cache = tuple[np.ndarray, ...]


def sigmoid_activation(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise, overflow-free sigmoid of ``s``; returns (out, d out / d s).

    ``out`` is clipped to [1e-15, 1 - 1e-15] so that log(out) and log(1 - out) stay
    finite; the gradient ``out * (1 - out)`` is computed from the clipped output.
    """
    raise NotImplementedError("sigmoid_activation is not implemented yet")


def relu_activation(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ReLU of an ``n x d`` array; returns (max(s, 0), 1.0 where s > 0 else 0.0)."""
    raise NotImplementedError("relu_activation is not implemented yet")


def logistic_loss(g: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-example negative log-likelihood of labels ``y`` under predictions ``g``.

    Both inputs are ``n x 1``; returns (loss, dL_dg), both ``n x 1``.
    """
    raise NotImplementedError("logistic_loss is not implemented yet")


def layer_forward(
    x: np.ndarray, W: np.ndarray, b: np.ndarray, activation_fn: Activation
) -> tuple[np.ndarray, Cache]:
    """One layer: ``out = activation_fn(x @ W + b)``.

    The cache holds what the backward pass needs: the layer input ``x`` (for dL/dW),
    the weights ``W`` (to pass the gradient on to ``x``) and the activation's
    derivative at ``S = x @ W + b``.
    """
    raise NotImplementedError("layer_forward is not implemented yet")


def create_weight_matrices(layer_dims: list[int]) -> list[np.ndarray]:
    """Weight matrices ``d_{l-1} x d_l`` with entries drawn from N(0, 0.01^2)."""
    raise NotImplementedError("create_weight_matrices is not implemented yet")


def create_bias_vectors(layer_dims: list[int]) -> list[np.ndarray]:
    """Zero bias row vectors ``1 x d_l``, one per layer after the input."""
    raise NotImplementedError("create_bias_vectors is not implemented yet")


def forward_pass(
    X_batch: np.ndarray,
    weight_matrices: list[np.ndarray],
    biases: list[np.ndarray],
    activations: list[Activation],
) -> tuple[np.ndarray, list[Cache]]:
    """Run every layer in turn; returns (network output ``n x d_L``, per-layer caches)."""
    raise NotImplementedError("forward_pass is not implemented yet")


def backward_pass(
    dL_dg: np.ndarray, caches: list[Cache]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Backpropagation of the MEAN loss over the batch.

    ``dL_dg`` (``n x 1``) holds the derivative of each example's loss with respect to
    the network output; returns (grad_Ws, grad_bs) in layer order, shaped like the
    weights and biases.
    """
    raise NotImplementedError("backward_pass is not implemented yet")


def finite_difference(
    f: Callable[[np.ndarray], float], a: np.ndarray, eps: float = 1e-5
) -> np.ndarray:
    """Central-difference estimate of the gradient of scalar ``f`` at array ``a``.

    Each entry is perturbed by +-eps in a private copy, so ``a`` is left untouched;
    the result has the shape of ``a``.
    """
    raise NotImplementedError("finite_difference is not implemented yet")


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
    raise NotImplementedError("train_network is not implemented yet")
