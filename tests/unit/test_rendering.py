"""Rendering (api/pages/rendering.py): scores and times as the pages write them, READMEs
(no raw HTML, links only to the starter files, re-rendered when the file changes), and
the HTML error pages that api/errors.py gives every path outside the JSON API."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from api.pages.rendering import Readmes, score_text, when
from tests.unit.api_harness import ASSIGNMENT, Harness, assert_error, headers
from tests.unit.pages_harness import Element, browser, page_of, parse, sign_in

DASH = "\N{EN DASH}"


# ------------------------------------------------------------------ scores and times


@pytest.mark.parametrize(
    ("score", "max_score", "text"),
    [
        (37, None, "37"),
        (37.0, None, "37"),
        (21.5, 37, "21.5 / 37"),
        (37.0, 37.0, "37 / 37"),
        (0, 37, "0 / 37"),
        (0.1 + 0.2, 1, "0.3 / 1"),
        (2 / 3, 2, "0.6666666667 / 2"),
        (-1.5, 10, "-1.5 / 10"),
        (1234567, None, "1234567"),
        (None, None, DASH),
        (None, 37, DASH),
    ],
)
def test_score_text(score: float | None, max_score: float | None, text: str) -> None:
    assert score_text(score, max_score) == text


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2025, 3, 1, 12, 34, 56, tzinfo=UTC), "2025-03-01 12:34 UTC"),
        (
            datetime(2025, 3, 1, 14, 34, 59, tzinfo=timezone(timedelta(hours=2))),
            "2025-03-01 12:34 UTC",
        ),
        (
            datetime(2025, 2, 28, 23, 5, tzinfo=timezone(timedelta(hours=-5))),
            "2025-03-01 04:05 UTC",
        ),
        (datetime(2024, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), "2024-12-31 23:59 UTC"),
    ],
)
def test_when_writes_utc_to_the_minute(moment: datetime, text: str) -> None:
    assert when(moment) == text


# ------------------------------------------------------------------ READMEs


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "hw"
    path.mkdir()
    return path


def render(folder: Path, markdown: str, assignment: str = "hw") -> Element:
    (folder / "README.md").write_text(markdown, encoding="utf-8")
    return parse(Readmes().html(folder, assignment))


def test_raw_html_in_a_readme_is_shown_as_text(folder: Path) -> None:
    html_block = "<script>alert('block')</script>\n\n"
    inline = 'Some <b onclick="steal()">bold</b> and <img src=x onerror=alert(1)> text.\n'
    readme = render(folder, "# Title\n\n" + html_block + inline)
    assert readme.all("script") == []
    assert readme.all("b") == []
    assert readme.all("img") == []
    assert [e.tag for e in readme.iter()] == ["h1", "p", "p"]
    assert "<script>alert('block')</script>" in readme.text


@pytest.mark.parametrize(
    ("href", "shown"),
    [
        ("starter/hw2.py", "/assignments/hw/starter/hw2.py"),
        ("starter/sub/data.csv", "/assignments/hw/starter/sub/data.csv"),
        ("https://example.org/paper.pdf", "https://example.org/paper.pdf"),
        ("http://example.org/", "http://example.org/"),
        ("#tests", "#tests"),
        ("mailto:staff@example.org", "mailto:staff@example.org"),
        ("data/train.npz", None),
        ("./data/train.npz", None),
        ("golden/reference.json", None),
        ("assignment.yaml", None),
        ("starter/../assignment.yaml", None),
        ("starter/../../secrets.txt", None),
        ("../other_hw/README.md", None),
        ("/etc/passwd", None),
        ("starter", None),
    ],
)
def test_a_readme_link_is_kept_only_to_a_starter_file_or_another_site(
    folder: Path, href: str, shown: str | None
) -> None:
    readme = render(folder, f"See [the file]({href}).\n")
    link = readme.one("a")
    assert link.text == "the file"
    assert link.get("href") == shown


def test_reference_links_and_links_in_tables_and_lists_are_rewritten(folder: Path) -> None:
    markdown = (
        "| File | What |\n| --- | --- |\n| [hw2](starter/hw2.py) | [data](data/x.npz) |\n\n"
        "- [nested](starter/a.py)\n  - [deeper](data/b.npz)\n\n"
        "[ref][r] and [bad][b]\n\n[r]: starter/r.py\n[b]: data/r.npz\n"
    )
    readme = render(folder, markdown)
    links = {a.text: a.get("href") for a in readme.all("a")}
    assert links == {
        "hw2": "/assignments/hw/starter/hw2.py",
        "data": None,
        "nested": "/assignments/hw/starter/a.py",
        "deeper": None,
        "ref": "/assignments/hw/starter/r.py",
        "bad": None,
    }
    assert readme.all("table")


def test_a_javascript_link_is_never_a_link(folder: Path) -> None:
    readme = render(folder, "[click](javascript:alert(1)) [x](JAVASCRIPT:alert(2))\n")
    assert all(not (a.get("href") or "").lower().startswith("javascript") for a in readme.all("a"))


@pytest.mark.parametrize(
    ("src", "shown"),
    [
        ("starter/plot.png", "/assignments/hw/starter/plot.png"),
        ("https://example.org/plot.png", "https://example.org/plot.png"),
        ("data/plot.png", None),
        ("golden/plot.png", None),
    ],
)
def test_a_readme_image_points_only_at_a_starter_file_or_another_site(
    folder: Path, src: str, shown: str | None
) -> None:
    """An image's source is a link too: no page points at a file the service does not
    publish, and a starter image is shown from where the service serves it."""
    readme = render(folder, f"![a plot]({src})\n")
    sources = [img.get("src") for img in readme.all("img") if img.has("src")]
    assert sources == ([] if shown is None else [shown])


def test_a_missing_readme_is_empty(folder: Path) -> None:
    assert Readmes().html(folder, "hw") == ""


def test_a_readme_is_rendered_again_when_it_changes(folder: Path) -> None:
    readme = folder / "README.md"
    readmes = Readmes()
    readme.write_text("# First\n")
    os.utime(readme, (1_700_000_000, 1_700_000_000))
    assert parse(readmes.html(folder, "hw")).one("h1").text == "First"
    readme.write_text("# Second\n")
    os.utime(readme, (1_700_000_000, 1_700_000_000))  # the same time: the cached page
    assert parse(readmes.html(folder, "hw")).one("h1").text == "First"
    os.utime(readme, (1_700_000_060, 1_700_000_060))
    assert parse(readmes.html(folder, "hw")).one("h1").text == "Second"


def test_readmes_of_two_assignments_are_kept_apart(tmp_path: Path) -> None:
    readmes = Readmes()
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "README.md").write_text(f"# {name}\n\n[s](starter/{name}.py)\n")
    for name in ("one", "two", "one"):
        readme = parse(readmes.html(tmp_path / name, name))
        assert readme.one("h1").text == name
        assert readme.one("a").get("href") == f"/assignments/{name}/starter/{name}.py"


# ------------------------------------------------------------------ error pages (api/errors.py)


@pytest.mark.parametrize(
    "path", ["/api/nope", "/api/submissions/0123/nope", "/api/assignments/x/dashboard"]
)
def test_an_unknown_json_api_path_still_gets_a_json_error(h: Harness, path: str) -> None:
    response = h.client.get(path, headers=headers("tok-alice"))
    assert_error(response, 404, "not_found", "no endpoint GET /api/")


def test_json_api_refusals_stay_json_with_a_session_cookie(h: Harness) -> None:
    client = sign_in(h, "tok-alice")
    assert_error(client.get("/api/submissions/0123"), 401, "unauthorized", "missing token")
    response = client.get("/api/submissions/0123", headers=headers("tok-alice"))
    assert_error(response, 404, "not_found", "no submission '0123'")
    response = client.get(
        f"/api/assignments/{ASSIGNMENT}/submissions", headers=headers("tok-alice")
    )
    assert_error(response, 403, "forbidden", "only instructors may do this")


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed in"])
@pytest.mark.parametrize("path", ["/nope", "/assignments/cs189_hw2/nope/deeper", "/static/nope.js"])
def test_an_unknown_page_is_an_html_404_page(h: Harness, signed_in: bool, path: str) -> None:
    client = sign_in(h, "tok-alice") if signed_in else browser(h)
    page = page_of(client.get(path), 404)
    assert page.testid("error").text == f"there is no page {path}"
    assert page.one("h1").text == "404: Not found"
    back = page.one("main").all("a")[-1]
    assert (back.get("href"), back.text) == (
        ("/", "Back to my assignments") if signed_in else ("/login", "Sign in")
    )


def test_a_wrong_method_on_a_page_is_an_html_405_page(h: Harness) -> None:
    page = page_of(browser(h).delete("/login"), 405)
    assert page.testid("error").text == "there is no page /login"
    assert page.one("h1").text == "405: Cannot do that"


def test_a_bad_query_parameter_on_a_page_is_an_html_422_page(h: Harness) -> None:
    page = page_of(sign_in(h, "tok-prof").get("/login?expired=maybe"), 422)
    assert "expired" in page.testid("error").text


def test_the_static_files_are_served_by_the_app(h: Harness) -> None:
    for path, kind in (("/static/app.js", "javascript"), ("/static/style.css", "text/css")):
        response = browser(h).get(path)
        assert response.status_code == 200
        assert kind in response.headers["content-type"]
