"""The dashboard's charts as inline SVG, drawn with matplotlib, and their alt texts.

Only matplotlib's object API: a ``Figure`` printed by the SVG canvas, never pyplot, whose
global figure manager is not safe across the API's threads. rcParams are global too, so
the settings each chart needs are applied with ``rc_context`` under a lock while it is
drawn. The output is the same for the same summary: a fixed hash salt for the SVG's ids,
no date in its metadata, so each chart is drawn once per distinct set of numbers and
kept (``functools.lru_cache``): a dashboard viewed again, unchanged, costs no drawing.
Text stays text (``svg.fonttype: none``), so the SVG is small
and the browser renders the test names with its own sans-serif font.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from api.pages.classroom import ClassSummary, ScoreBin, TestPassRate

WIDTH = 6.4  # inches; 460pt, about 615 CSS px at full size
BAR = "#3b6ea5"
LABEL_CHARS = 40  # a longer test name is cut on the axis (the alt text has it whole)
CACHED = 64  # charts kept per kind: a few per assignment (its dashboard changes as it is graded)
_drawing = threading.Lock()
# no date (the same summary gives the same SVG), no creator or RDF boilerplate
METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}


@contextmanager
def _settings(chart: str) -> Iterator[None]:
    rc = {
        "svg.hashsalt": chart,  # a salt per chart, so two on one page do not share ids
        "svg.id": chart,
        "svg.fonttype": "none",
        "font.family": "sans-serif",
        "font.size": 10,
    }
    with _drawing, rc_context(rc):
        yield


def _svg(figure: Figure) -> str:
    """The figure as an ``<svg>`` element to inline in HTML: no XML declaration or DOCTYPE."""
    out = io.StringIO()
    FigureCanvasSVG(figure).print_svg(out, metadata=METADATA)
    text = out.getvalue()
    return text[text.index("<svg") :]


def _number(x: float) -> str:
    return f"{round(x, 2):g}"


def score_histogram_svg(summary: ClassSummary) -> str:
    """The latest scores' histogram: one bar per bin, its count above it."""
    return _histogram(tuple(summary.bins), summary.graded, summary.max_score)


@functools.lru_cache(maxsize=CACHED)
def _histogram(bins: tuple[ScoreBin, ...], graded: int, max_score: float) -> str:
    with _settings("score-histogram"):
        figure = Figure(figsize=(WIDTH, 3.2), layout="constrained")
        ax = figure.add_subplot()
        if bins[0].high > bins[0].low:
            _bin_bars(ax, bins)
        elif graded:  # no positive max score: one bin, [0, 0]
            ax.bar(["0"], [graded], color=BAR)
        else:
            ax.set_xticks([])
        if not graded:
            _empty(ax)
        ax.set_xlabel(f"Latest score (out of {_number(max_score)})")
        ax.set_ylabel("Students")
        ax.spines[["top", "right"]].set_visible(False)
        return _svg(figure)


def _bin_bars(ax: Axes, bins: Sequence[ScoreBin]) -> None:
    bars = ax.bar(
        [b.low for b in bins],
        [b.count for b in bins],
        width=[b.high - b.low for b in bins],
        align="edge",
        color=BAR,
        edgecolor="white",
    )
    ax.bar_label(bars, labels=[str(b.count) if b.count else "" for b in bins])
    ax.set_xticks([bins[0].low, *(b.high for b in bins)])
    ax.xaxis.set_major_formatter(lambda x, _: _number(x))
    ax.set_xlim(0, bins[-1].high)
    ax.set_ylim(0, max(max(b.count for b in bins), 1) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def pass_rates_svg(summary: ClassSummary) -> str:
    """One horizontal bar per test, the most failed at the top, in percent of the students
    whose latest results include it; the figure grows with the number of tests."""
    return _pass_rates(tuple(summary.pass_rates))


@functools.lru_cache(maxsize=CACHED)
def _pass_rates(rates: tuple[TestPassRate, ...]) -> str:
    with _settings("pass-rates"):
        figure = Figure(figsize=(WIDTH, 1.2 + 0.28 * max(len(rates), 1)), layout="constrained")
        ax = figure.add_subplot()
        if rates:
            _rate_bars(ax, rates)
        else:
            _empty(ax)
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(PercentFormatter(100))
        ax.set_xlabel("Students passing (latest submissions)")
        ax.spines[["top", "right"]].set_visible(False)
        return _svg(figure)


def _rate_bars(ax: Axes, rates: Sequence[TestPassRate]) -> None:
    positions = range(len(rates))
    ax.barh(positions, [100 * r.rate for r in rates], color=BAR, height=0.7)
    for y, r in zip(positions, rates, strict=True):
        inside = r.rate >= 0.8  # outside, the label would run past 100%
        ax.text(
            100 * r.rate + (-1 if inside else 1),
            y,
            f"{r.rate:.0%} ({r.passed}/{r.graded})",
            ha="right" if inside else "left",
            va="center",
            fontsize=8,
            color="white" if inside else "black",
        )
    ax.set_yticks(positions, [_label(r.name) for r in rates])
    ax.set_ylim(len(rates) - 0.5, -0.5)  # the first (most failed) at the top


def _label(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"


def _empty(ax: Axes) -> None:
    ax.set_yticks([])
    ax.text(
        0.5,
        0.5,
        "No graded submissions yet",
        transform=ax.transAxes,
        ha="center",
        va="center",
        color="#555555",
    )


def _students(n: int) -> str:
    return f"{n} student" if n == 1 else f"{n} students"


def histogram_alt(summary: ClassSummary) -> str:
    """The histogram's numbers as a sentence, for screen readers."""
    head = f"Scores of {_students(summary.graded)} out of {_number(summary.max_score)}"
    if summary.graded == 0:
        return f"{head}: no graded submissions yet."
    parts = [
        f"{_number(b.low)}\N{EN DASH}{_number(b.high)}: {_students(b.count)}" for b in summary.bins
    ]
    return f"{head}: {', '.join(parts)}."


def pass_rates_alt(summary: ClassSummary) -> str:
    """The pass rates as a sentence, most failed first, as in the chart."""
    rates = summary.pass_rates
    tests = "1 test" if len(rates) == 1 else f"{len(rates)} tests"
    head = f"Pass rates of {tests} over {_students(summary.graded)}"
    if not rates:
        return f"{head}: no graded submissions yet."
    parts = [f"'{r.name}' {r.rate:.0%} ({r.passed} of {r.graded})" for r in rates]
    return f"{head}: {', '.join(parts)}."
