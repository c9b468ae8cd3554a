"""Tsinghua deep learning homework, Q5: an MLP and a CNN on MNIST in PyTorch, and the
flooding loss of Q5.3 (reference solution).

Inputs ``X`` are float32 tensors ``N x 1 x 28 x 28`` with values in [0, 1], for both models;
labels ``y`` are int64 tensors of ``N`` digits; the models return ``N x 10`` logits.

This file is a complete student submission: it imports only PyTorch and NumPy and reads
no files. ``accuracy`` is the trusted metric the grader evaluates outside the sandbox.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def build_mlp() -> nn.Module:
    """Q5.2: one hidden layer of 500 ReLU units, 784-500-10; flattens its input itself."""
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 500), nn.ReLU(), nn.Linear(500, 10))


def build_cnn() -> nn.Module:
    """Q5.5: the suggested network, two 5x5 convolutions (16 and 32 channels, padding 2),
    each followed by ReLU and 2x2 max pooling, then a linear layer 32*7*7 -> 10."""
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=5, stride=1, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(16, 32, kernel_size=5, stride=1, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 10),
    )


def flooding_loss(loss: torch.Tensor, b: float) -> torch.Tensor:
    """Q5.3: the flooded loss |R - b| + b; below the flood level b its gradient is reversed."""
    return (loss - b).abs() + b


def train(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    epochs: int,
    lr: float,
    momentum: float,
    batch_size: int,
    flood_b: float | None = None,
    seed: int = 0,
) -> nn.Module:
    """Mini-batch SGD with momentum on the cross-entropy loss (flooded when ``flood_b`` is
    given), reshuffling every epoch with a generator seeded from ``seed``; returns ``model``."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    criterion = nn.CrossEntropyLoss()
    model.train()
    n = X.shape[0]
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = criterion(model(X[batch]), y[batch])
            if flood_b is not None:
                loss = flooding_loss(loss, flood_b)
            loss.backward()
            optimizer.step()
    return model


def accuracy(pred: np.ndarray, y: np.ndarray) -> float:
    """Fraction of predicted labels equal to the true labels.

    Trusted metric, evaluated outside the sandbox. ``pred`` holds the ``N`` integer labels
    predicted in the sandbox, ``y`` the ``N`` hidden labels. Anything else (another shape,
    a label that is not an integer) raises ValueError with a message saying what was got.
    """
    pred = np.asarray(pred)
    y = np.asarray(y)
    if pred.ndim != 1 or pred.shape != y.shape:
        raise ValueError(
            f"expected {y.shape[0] if y.ndim else '?'} predicted labels (shape {y.shape}), "
            f"got an array of shape {pred.shape}"
        )
    if pred.dtype.kind not in "iu":
        raise ValueError(f"predicted labels must be integers, got dtype {pred.dtype}")
    return float(np.mean(pred == y))


def cross_entropy(logits: np.ndarray, y: np.ndarray) -> float:
    """Mean cross-entropy of ``N x 10`` logits against ``N`` integer labels.

    Trusted metric, evaluated outside the sandbox in float64 (log-sum-exp with the row
    maximum subtracted). Logits that are not finite give infinity, which no bound accepts;
    another shape raises ValueError.
    """
    logits = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y)
    if logits.ndim != 2 or y.ndim != 1 or logits.shape[0] != y.shape[0]:
        raise ValueError(f"expected {y.shape[0]} x 10 logits, got an array of shape {logits.shape}")
    if y.size and (y.min() < 0 or y.max() >= logits.shape[1]):
        raise ValueError(f"labels out of range for {logits.shape[1]} classes")
    if not np.isfinite(logits).all():
        return float("inf")
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.mean(log_probs[np.arange(len(y)), y]))
