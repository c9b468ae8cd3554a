"""The reference's time per test against the test's timeout, both in CPU seconds (a
busy machine slows the reference down without making it use more of its limit).

A student's code is often several times slower than the reference (no vectorisation,
a debug print, a slower machine at a deadline rush), so a reference that already uses
more than a quarter of a timeout leaves correct students too little room.
"""

from __future__ import annotations

from collections.abc import Sequence

from grader.preflight.finding import Finding, Stage, Verdict
from grader.spec import Assignment
from grader.verdict import TestResult

TIME_SHARE_WARN = 0.25  # of a timeout the reference may use before a warning


def timing_findings(assignment: Assignment, results: Sequence[TestResult]) -> list[Finding]:
    """WARN for each test whose reference time is above 25% of its timeout (the test's
    ``timeout``, else ``limits.test_timeout``), and for the whole run against
    ``limits.submission_timeout``; else one row naming the slowest test."""
    by_name = {r.name: r for r in results}
    share = f"at most {TIME_SHARE_WARN:.0%} of the timeout"
    timed = [
        (by_name[t.name], t.timeout or assignment.limits.test_timeout)
        for t in assignment.tests
        if t.steps and t.name in by_name  # a test of written answers runs nothing
    ]
    if not timed:
        return []
    findings = [
        Finding(Stage.TIMING, f"time of {r.name!r}", share, _used(r.cpu, limit), Verdict.WARN)
        for r, limit in timed
        if r.cpu > TIME_SHARE_WARN * limit
    ]
    total = sum(r.duration for r, _ in timed)  # the submission's limit is wall clock
    whole = assignment.limits.submission_timeout
    if total > TIME_SHARE_WARN * whole:
        findings.append(
            Finding(Stage.TIMING, "time of all tests", share, _used(total, whole), Verdict.WARN)
        )
    if findings:
        return findings
    slowest, limit = max(timed, key=lambda pair: pair[0].cpu / pair[1])
    got = f"slowest {slowest.name!r}: {_used(slowest.cpu, limit)}"
    return [Finding(Stage.TIMING, "time per test", share, got, Verdict.OK)]


def _used(seconds: float, limit: float) -> str:
    return f"{seconds:.1f} s of {limit:g} s ({seconds / limit:.0%})"
