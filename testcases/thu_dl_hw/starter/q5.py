"""Tsinghua deep learning homework, Q5: an MLP and a CNN on MNIST in PyTorch, and the
flooding loss of Q5.3 (starter).

Inputs ``X`` are float32 tensors ``N x 1 x 28 x 28`` with values in [0, 1], for both models;
labels ``y`` are int64 tensors of ``N`` digits; the models return ``N x 10`` logits.

Replace every ``raise NotImplementedError`` with your code. Use only PyTorch, NumPy and
the Python standard library; read no files.
"""

from __future__ import annotations

import numpy as np  # noqa: F401  (available to you)
import torch
from torch import nn


def build_mlp() -> nn.Module:
    """Q5.2: one hidden layer of 500 ReLU units, 784-500-10; flattens its input itself
    (e.g. ``nn.Flatten()`` first). Create ``nn.Linear(784, 500)`` before
    ``nn.Linear(500, 10)``."""
    raise NotImplementedError


def build_cnn() -> nn.Module:
    """Q5.5: a convolutional network, N x 1 x 28 x 28 in, N x 10 logits out (the suggested
    two-convolution architecture, or your own)."""
    raise NotImplementedError


def flooding_loss(loss: torch.Tensor, b: float) -> torch.Tensor:
    """Q5.3: the flooded loss |R - b| + b of a scalar loss tensor R (differentiable)."""
    raise NotImplementedError


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
    """Mini-batch SGD with momentum on the cross-entropy loss, trained on
    ``flooding_loss(loss, flood_b)`` when ``flood_b`` is not None.

    Call ``torch.manual_seed(seed)`` first; reshuffle the training set every epoch (a
    ``torch.Generator`` or ``DataLoader`` seeded from ``seed``); use
    ``torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)`` and
    ``nn.CrossEntropyLoss()``. Returns ``model``, trained in place.
    """
    raise NotImplementedError
