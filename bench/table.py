"""The side-by-side table: one row per way of grading, its median, min, max (p95 for the
service's latency) and how it compares with the bare run."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

WIDTH = 40


@dataclass(frozen=True)
class Row:
    """``values`` in seconds (None: not measured, ``note`` says why). ``limit``: the
    figure the median is held against instead of bare (throughput: N x bare / cores)."""

    label: str
    values: list[float] | None
    note: str = ""
    p95: bool = False
    limit: tuple[float, str] | None = None  # (seconds, what it is)


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def line(row: Row, bare: float) -> str:
    if not row.values:
        return f"{row.label:<{WIDTH}}{'n/a':>9}  {row.note}".rstrip()
    median = statistics.median(row.values)
    top = f"{'':>9}{p95(row.values):>8.2f}s" if row.p95 else f"{max(row.values):>8.2f}s{'':>9}"
    if row.limit is not None:
        seconds, what = row.limit
        ratio = f"x{median / seconds:.2f} of {what} = {seconds:.2f}s"
    else:
        ratio = f"x{median / bare:.2f} bare, {median - bare:+.2f}s"
    note = f"  ({row.note})" if row.note else ""
    return f"{row.label:<{WIDTH}}{median:>8.2f}s{min(row.values):>8.2f}s{top}  {ratio}{note}"


def render(title: str, rows: list[Row]) -> str:
    bare = statistics.median(rows[0].values or [float("nan")])
    head = f"{'measure':<{WIDTH}}{'median':>9}{'min':>9}{'max':>9}{'p95':>9}  ratio"
    return "\n".join([title, head, *(line(row, bare) for row in rows)])
