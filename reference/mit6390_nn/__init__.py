"""Reference materials for MIT 6.390 "Neural Networks" (a modular network in NumPy).

The tests, their names, the training settings and the accuracy threshold live in
testcases/mit6390_nn/assignment.yaml; nothing here repeats them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def load_xor(data_dir: Path) -> dict[str, np.ndarray]:
    """X_train, Y_train (train.npz), X_test (test_inputs.npz) and Y_test (test_labels.npz,
    hidden from students); X is 2 x n, Y one-hot 2 x n."""
    data: dict[str, np.ndarray] = {}
    for name, split in (("train", "train"), ("test_inputs", "test"), ("test_labels", "test")):
        with np.load(Path(data_dir) / f"{name}.npz", allow_pickle=False) as archive:
            data.update({f"{key}_{split}": archive[key] for key in archive.files})
    return data


def load_scenario(data_dir: Path) -> dict[str, np.ndarray]:
    """The small fixed arrays of the object scenarios (scenario.npz)."""
    with np.load(Path(data_dir) / "scenario.npz", allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}
