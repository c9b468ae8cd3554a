"""Following a grading from the terminal: status changes on one line, a progress bar
for a regrade. Both poll the API until the work is done or the timeout runs out."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from cli.client import GraderClient
from store.records import FINISHED

BAR_WIDTH = 30
Record = dict[str, Any]


@dataclass(frozen=True)
class Polling:
    """How often and how long to poll; the clock is replaceable in tests."""

    interval: float
    timeout: float
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.monotonic

    def until(
        self,
        fetch: Callable[[], Record],
        done: Callable[[Record], bool],
        show: Callable[[Record], None],
        out: TextIO,
    ) -> Record:
        """Fetch, show, and return the first record that is done; TimeoutError (naming
        the last record's state) at the timeout. The line ends however it ends."""
        deadline = self.now() + self.timeout
        try:
            while True:
                record = fetch()
                show(record)
                out.flush()
                if done(record):
                    return record
                if self.now() >= deadline:
                    raise TimeoutError(record)
                self.sleep(self.interval)
        finally:
            out.write("\n")
            out.flush()


def follow_submission(
    client: GraderClient, submission_id: str, out: TextIO, polling: Polling
) -> Record:
    """Poll until graded or failed, writing ``queued.. running.... graded`` on one line."""
    out.write(f"submission {submission_id}:")
    shown: list[str] = []

    def show(record: Record) -> None:
        out.write(f" {record['status']}" if record["status"] not in shown[-1:] else ".")
        shown.append(record["status"])

    try:
        return polling.until(
            lambda: client.submission(submission_id),
            lambda record: record["status"] in FINISHED,
            show,
            out,
        )
    except TimeoutError as exc:
        raise TimeoutError(f"still {exc.args[0]['status']} after {polling.timeout:g} s") from None


def bar(progress: Record, width: int = BAR_WIDTH) -> str:
    total, graded, failed = progress["total"], progress["graded"], progress["failed"]
    done = graded + failed
    filled = width if total == 0 else done * width // total
    return (
        f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} done: "
        f"{graded} graded, {failed} failed, {progress['pending']} pending"
    )


def follow_regrade(client: GraderClient, regrade_id: str, out: TextIO, polling: Polling) -> Record:
    """Poll until every job of the regrade is finished, redrawing a bar on one line
    when it changes."""
    shown: list[str] = []

    def show(progress: Record) -> None:
        if bar(progress) not in shown[-1:]:
            shown.append(bar(progress))
            out.write(f"\r{shown[-1]}")

    try:
        return polling.until(
            lambda: client.regrade_progress(regrade_id),
            lambda progress: bool(progress["done"]),
            show,
            out,
        )
    except TimeoutError as exc:
        pending, waited = exc.args[0]["pending"], polling.timeout
        raise TimeoutError(f"{pending} gradings still pending after {waited:g} s") from None
