"""Following a grading from the terminal: status changes on one line, a progress bar
for a regrade. Both poll the API until the work is done or ``timeout`` runs out."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TextIO

from worker.client import GraderClient

FINAL = ("graded", "failed")
BAR_WIDTH = 30


class Clock:
    """Time, replaceable in tests."""

    def __init__(
        self,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sleep = sleep
        self.now = now


def follow_submission(
    client: GraderClient,
    submission_id: str,
    out: TextIO,
    interval: float,
    timeout: float,
    clock: Clock | None = None,
) -> dict[str, Any]:
    """Poll until graded or failed, writing ``queued.. running.... graded`` on one line."""
    clock = clock or Clock()
    deadline = clock.now() + timeout
    out.write(f"submission {submission_id}:")
    shown = None
    try:
        while True:
            record = client.submission(submission_id)
            status = record["status"]
            out.write(f" {status}" if status != shown else ".")
            out.flush()
            shown = status
            if status in FINAL:
                return record
            if clock.now() >= deadline:
                raise TimeoutError(f"still {status} after {timeout:g} s")
            clock.sleep(interval)
    finally:
        out.write("\n")
        out.flush()


def bar(progress: dict[str, Any], width: int = BAR_WIDTH) -> str:
    total, graded, failed = progress["total"], progress["graded"], progress["failed"]
    done = graded + failed
    filled = width if total == 0 else done * width // total
    return (
        f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} done: "
        f"{graded} graded, {failed} failed, {progress['pending']} pending"
    )


def follow_regrade(
    client: GraderClient,
    regrade_id: str,
    out: TextIO,
    interval: float,
    timeout: float,
    clock: Clock | None = None,
) -> dict[str, Any]:
    """Poll until every job of the regrade is finished, redrawing a bar on one line
    when it changes."""
    clock = clock or Clock()
    deadline = clock.now() + timeout
    shown = ""
    try:
        while True:
            progress = client.regrade_progress(regrade_id)
            if bar(progress) != shown:
                shown = bar(progress)
                out.write(f"\r{shown}")
                out.flush()
            if progress["done"]:
                return progress
            if clock.now() >= deadline:
                raise TimeoutError(
                    f"{progress['pending']} gradings still pending after {timeout:g} s"
                )
            clock.sleep(interval)
    finally:
        out.write("\n")
        out.flush()
