"""Reference materials for Berkeley CS189 HW2 (a neural network in NumPy).

The tests, their names and the accuracy threshold live in
testcases/cs189_hw2/assignment.yaml; nothing here repeats them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def load_mnist_3v9(data_dir: Path) -> dict[str, np.ndarray]:
    """X_train, y_train (public file) and X_test, y_test (hidden file), X as uint8 0..255."""
    data: dict[str, np.ndarray] = {}
    for split in ("train", "test"):
        with np.load(Path(data_dir) / f"mnist_3v9_{split}.npz", allow_pickle=False) as archive:
            data.update({key: archive[key] for key in archive.files})
    return data
