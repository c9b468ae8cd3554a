"""What a student may see of a results.json, with Gradescope's semantics.

Students see only the tests whose visibility is ``visible`` (a test without one
takes the top-level ``visibility``). Tests marked ``hidden``, ``after_due_date`` or
``after_published`` are removed, since there are no due dates or publishing yet.
The top-level score (and output) stay as they are: like Gradescope, the total
includes the hidden tests' points. ``extra_data`` (the sandbox log) is for
instructors only. Instructors see everything.
"""

from __future__ import annotations

from typing import Any


def for_student(results: dict[str, Any]) -> dict[str, Any]:
    default = results.get("visibility", "visible")
    tests = [t for t in results.get("tests", []) if t.get("visibility", default) == "visible"]
    shown = {key: value for key, value in results.items() if key != "extra_data"}
    return {**shown, "tests": tests}
