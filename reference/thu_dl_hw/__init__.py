"""Reference materials for the Tsinghua deep learning homework, Q5 (PyTorch MLP and CNN on
MNIST, and the flooding loss).

The tests, their names, the training settings and the accuracy thresholds live in
testcases/thu_dl_hw/assignment.yaml; nothing here repeats them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def load_mnist10(data_dir: Path) -> dict[str, np.ndarray]:
    """X_train, y_train (train.npz), X_test (test_inputs.npz) and y_test (test_labels.npz,
    hidden from students), as stored: X uint8 n x 1 x 28 x 28, y int64 n."""
    data: dict[str, np.ndarray] = {}
    for name, split in (("train", "train"), ("test_inputs", "test"), ("test_labels", "test")):
        with np.load(Path(data_dir) / f"{name}.npz", allow_pickle=False) as archive:
            data.update({f"{key}_{split}": archive[key] for key in archive.files})
    return data


def as_model_inputs(X: np.ndarray) -> np.ndarray:
    """What the fixtures give the student: float32 in [0, 1], n x 1 x 28 x 28."""
    return X.astype(np.float32) / 255
