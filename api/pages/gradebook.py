"""An assignment's grades as CSV, to import into a learning management system's gradebook.

Canvas and Moodle both import a CSV with a column naming the student and a column of
scores (the instructor maps the columns on import); one row per student, with each
student's latest score (the one the dashboard and the JSON API show: the final score,
less any late penalty, api/visibility.py) out of the assignment's maximum, and when that
submission was received. Until the LTI integration
sends scores to the gradebook directly, this download is how grades get there.

A spreadsheet opening the file runs a cell that starts with ``=``, ``+``, ``-`` or ``@``
(or a tab or carriage return, which some strip first) as a formula, and a student names
themselves; so such a name gets a leading apostrophe, which spreadsheets show as text.
Only the name is free text: the numbers and the time are written by us and left alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, datetime

from api.pages.classroom import ClassSummary

HEADER = ("name", "score", "max_score", "submitted_at")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def grades_csv(summary: ClassSummary, names: Mapping[str, str] | None = None) -> str:
    """One row per student, in the summary's order; an ungraded student's score is empty.
    ``names``: how to name a student (an LMS user's name) instead of their key.
    Lines end in ``\\r\\n``, as the csv module (and RFC 4180) writes them."""
    names = names or {}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in summary.students:
        writer.writerow(
            (
                text_cell(names.get(row.student) or row.student),
                "" if row.latest_score is None else number(row.latest_score),
                number(summary.max_score),
                iso_utc(row.latest_at),
            )
        )
    return out.getvalue()


def text_cell(text: str) -> str:
    """Free text made safe to open in a spreadsheet: never read as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def number(x: float) -> str:
    """A score without float noise: 7 not 7.0, 0.3 not 0.30000000000000004 (10 significant
    digits, more than any score has)."""
    return f"{x:.10g}"


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC to the second, with a Z: 2025-03-01T12:00:00Z."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
