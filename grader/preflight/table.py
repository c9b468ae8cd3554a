"""The findings as a text table for a terminal, one row per finding, long cells
wrapped in their column."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from grader.preflight.finding import Finding, Verdict, worst

HEADER = ("check", "expected", "got", "verdict")
MAX_CHECK, MAX_EXPECTED, MIN_GOT = 50, 34, 40  # "variant " and a long name fit


def render(findings: Sequence[Finding], width: int = 160) -> str:
    rows = [(f.check, f.expected, f.got, str(f.verdict)) for f in findings]
    check_w = min(MAX_CHECK, max([len(HEADER[0])] + [len(r[0]) for r in rows]))
    expected_w = min(MAX_EXPECTED, max([len(HEADER[1])] + [len(r[1]) for r in rows]))
    verdict_w = len(HEADER[3])
    got_w = max(MIN_GOT, width - check_w - expected_w - verdict_w - 6)
    widths = (check_w, expected_w, got_w, verdict_w)
    lines = [_line(HEADER, widths), _line(tuple("-" * w for w in widths), widths)]
    for row in rows:
        cells = [
            textwrap.wrap(text, w, break_on_hyphens=False) or [""]
            for text, w in zip(row, widths, strict=True)
        ]
        for k in range(max(len(c) for c in cells)):
            lines.append(_line(tuple(c[k] if k < len(c) else "" for c in cells), widths))
    lines.append("")
    lines.append(summary(findings))
    return "\n".join(lines)


def summary(findings: Sequence[Finding]) -> str:
    counts = {v: sum(1 for f in findings if f.verdict is v) for v in Verdict}
    parts = ", ".join(f"{counts[v]} {v}" for v in Verdict)
    return f"{worst(findings)}: {len(findings)} findings ({parts})"


def _line(cells: tuple[str, ...], widths: tuple[int, ...]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
