"""The threshold a calibration script proposes for a training test."""

from __future__ import annotations

import math


def proposed_threshold(reference_min: float, margin: float) -> float:
    """``reference_min - margin`` rounded down to a multiple of 0.005."""
    return math.floor(round((reference_min - margin) / 0.005, 6)) * 0.005
