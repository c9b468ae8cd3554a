"""The dashboard's SVG charts and their alt texts (api/pages/charts.py): valid SVG to
inline (no XML declaration, names with markup characters escaped), the same output for
the same summary, and every number in the alt text.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from api.pages import charts
from api.pages.charts import (
    LABEL_CHARS,
    histogram_alt,
    pass_rates_alt,
    pass_rates_svg,
    score_histogram_svg,
)
from api.pages.classroom import ClassSummary, ScoreBin, TestPassRate, histogram

SVG = "{http://www.w3.org/2000/svg}"
DASH = "\N{EN DASH}"
Chart = Callable[[ClassSummary], str]
CHARTS = [score_histogram_svg, pass_rates_svg]
NAMES = ["q1 <b>bold</b>", "a & b", 'it\'s "quoted"', "plain", "--double-dash--"]


def summary(rates: list[TestPassRate], scores: list[float], max_score: float = 37) -> ClassSummary:
    return ClassSummary(
        students=[],
        submitted=len(scores),
        graded=len(scores),
        max_score=max_score,
        bins=histogram(scores, max_score),
        pass_rates=rates,
    )


CLASS = summary(
    [TestPassRate(name, i, 4) for i, name in enumerate(NAMES)],
    [0, 3.7, 20, 37],
)
EMPTY = summary([], [])


def forget_charts() -> None:
    for drawn in (charts._histogram, charts._pass_rates):
        drawn.cache_clear()


@pytest.fixture(autouse=True)
def drawn_afresh() -> None:
    """Each test draws its charts (the module keeps the ones it drew)."""
    forget_charts()


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("data", [CLASS, EMPTY, summary([], [1, 2], max_score=0)])
def test_a_chart_is_an_svg_element_to_inline(chart: Chart, data: ClassSummary) -> None:
    svg = chart(data)
    assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("viewBox")


@pytest.mark.parametrize("chart", CHARTS)
def test_the_same_summary_gives_the_same_svg(chart: Chart) -> None:
    first = chart(CLASS)
    forget_charts()
    assert chart(CLASS) == first  # drawn again, not taken from the cache
    assert "dc:date" not in first  # no timestamp in the metadata


def test_a_chart_is_drawn_once_per_distinct_numbers() -> None:
    drawn = charts._histogram
    first = score_histogram_svg(CLASS)
    same_numbers = summary(list(CLASS.pass_rates), [0, 3.7, 20, 37])  # another object
    assert score_histogram_svg(same_numbers) == first
    assert (drawn.cache_info().misses, drawn.cache_info().hits) == (1, 1)
    assert score_histogram_svg(summary([], [1.0])) != first  # other numbers: drawn
    assert drawn.cache_info().misses == 2


def referenced_ids(svg: str) -> set[str]:
    """The ids the SVG refers to (its clip paths and tick markers)."""
    return set(re.findall(r'(?:url\(#|xlink:href="#)([^)"]+)', svg))


def test_two_charts_on_one_page_do_not_share_the_ids_they_refer_to() -> None:
    """Both are inlined in one page, where ``url(#id)`` finds the first element with the id."""
    first, second = (chart(CLASS) for chart in CHARTS)
    assert referenced_ids(first) and referenced_ids(second)
    assert not referenced_ids(first) & referenced_ids(second)
    assert ET.fromstring(first).get("id") != ET.fromstring(second).get("id")


def test_every_test_name_is_in_the_pass_rates_chart_as_text() -> None:
    shown = texts(pass_rates_svg(CLASS))
    for name in NAMES:
        assert name in shown
    for rate in CLASS.pass_rates:
        assert f"{rate.rate:.0%} ({rate.passed}/{rate.graded})" in shown


def test_a_long_test_name_is_cut_on_the_axis() -> None:
    long = "x" * (LABEL_CHARS + 10)
    shown = texts(pass_rates_svg(summary([TestPassRate(long, 1, 2)], [1])))
    assert long not in shown
    assert "x" * (LABEL_CHARS - 1) + "…" in shown


def test_the_pass_rates_chart_grows_with_the_tests() -> None:
    def height(n: int) -> float:
        rates = [TestPassRate(f"t{i}", 1, 2) for i in range(n)]
        return float(ET.fromstring(pass_rates_svg(summary(rates, [1]))).get("viewBox").split()[3])

    assert height(1) < height(5) < height(20)


def test_the_histogram_shows_the_counts_and_bin_edges() -> None:
    shown = texts(score_histogram_svg(summary([], [0, 1, 1, 37])))
    assert {"0", "3.7", "33.3", "37"} <= set(shown)
    assert "2" in shown and "1" in shown  # the bars' counts


@pytest.mark.parametrize("chart", CHARTS)
def test_an_empty_class_says_so(chart: Chart) -> None:
    assert "No graded submissions yet" in texts(chart(EMPTY))


def test_charts_drawn_from_threads_at_once_are_the_same() -> None:
    """rcParams are global: concurrent drawing must not mix one chart's settings into another."""
    expected = {chart: chart(CLASS) for chart in CHARTS}
    forget_charts()  # the threads draw them again, at once
    got: list[bool] = []

    def draw(chart: Chart) -> None:
        got.append(chart(CLASS) == expected[chart])

    threads = [threading.Thread(target=draw, args=(CHARTS[i % 2],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [True] * 6


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            summary([], [0, 3.7, 20, 37]),
            "Scores of 4 students out of 37: 0-3.7: 1 student, 3.7-7.4: 1 student, "
            "7.4-11.1: 0 students, 11.1-14.8: 0 students, 14.8-18.5: 0 students, "
            "18.5-22.2: 1 student, 22.2-25.9: 0 students, 25.9-29.6: 0 students, "
            "29.6-33.3: 0 students, 33.3-37: 1 student.",
        ),
        (
            summary([], [1], max_score=10),
            "Scores of 1 student out of 10: 0-1: 0 students, "
            "1-2: 1 student, 2-3: 0 students, 3-4: 0 students, 4-5: 0 students, 5-6: 0 students, "
            "6-7: 0 students, 7-8: 0 students, 8-9: 0 students, 9-10: 0 students.",
        ),
        (summary([], [2, 2], max_score=0), "Scores of 2 students out of 0: 0-0: 2 students."),
        (EMPTY, "Scores of 0 students out of 37: no graded submissions yet."),
    ],
)
def test_histogram_alt_gives_every_bin(data: ClassSummary, expected: str) -> None:
    """(The ranges are written with an en dash, compared here as a hyphen.)"""
    assert histogram_alt(data).replace(DASH, "-") == expected


def test_a_range_is_written_with_an_en_dash() -> None:
    assert f"0{DASH}3.7: 1 student" in histogram_alt(CLASS)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            summary([TestPassRate("x", 3, 12), TestPassRate("a & <b>", 12, 12)], [1] * 12),
            "Pass rates of 2 tests over 12 students: 'x' 25% (3 of 12), 'a & <b>' 100% (12 of 12).",
        ),
        (
            summary([TestPassRate("only", 0, 1)], [0]),
            "Pass rates of 1 test over 1 student: 'only' 0% (0 of 1).",
        ),
        (EMPTY, "Pass rates of 0 tests over 0 students: no graded submissions yet."),
    ],
)
def test_pass_rates_alt_gives_every_rate(data: ClassSummary, expected: str) -> None:
    assert pass_rates_alt(data) == expected


def test_the_histogram_alt_agrees_with_the_bins() -> None:
    data = summary([], [0.5] * 3 + [36.9] * 2)
    assert data.bins[0] == ScoreBin(0, 3.7, 3)
    assert f"0{DASH}3.7: 3 students" in histogram_alt(data)
    assert f"33.3{DASH}37: 2 students" in histogram_alt(data)
