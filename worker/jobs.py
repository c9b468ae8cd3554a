"""Grading one job: claim it, grade it in a sandbox, write the verdict once.

Independent of Celery: the task in worker/tasks.py is a thin shell around
``JobRunner.run``, so the same logic runs from a test or a shell.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from grader.errors import InfrastructureError, SpecError, SubmissionError
from grader.feedback import not_gradable
from grader.grading import Grader
from grader.sandbox import Sandbox
from store import Claim, JobStatus, SubmissionStore

log = logging.getLogger(__name__)


class OutcomeKind(StrEnum):
    """What one delivery of a job came to: the job's final state, or nothing decided."""

    GRADED = JobStatus.GRADED  # the verdict is written
    FAILED = JobStatus.FAILED  # the job failed: a broken spec, or the attempts ran out
    SKIPPED = "skipped"  # not claimable, or the claim was superseded: nothing written
    RELEASED = "released"  # an infrastructure error: the job is queued again


@dataclass(frozen=True)
class Outcome:
    """What happened to a job delivery, for logs and for the task's retry decision."""

    kind: OutcomeKind
    detail: str = ""


class Heartbeat:
    """Renews a claim's lease while grading runs, so the sweep leaves it alone."""

    def __init__(self, store: SubmissionStore, claim: Claim, lease_seconds: float) -> None:
        self.store, self.claim, self.lease = store, claim, lease_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.lease / 3):
            if not self.store.renew(self.claim, self.lease):
                log.warning("job %s: lease lost; its verdict will be refused", self.claim.job.id)
                return

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class GraderCache:
    """One loaded Grader per assignment, reloaded when its YAML changes (a regrade
    after the instructor edits a test uses the new spec)."""

    def __init__(self, assignments_dir: Path, cache_dir: Path) -> None:
        self.assignments_dir = assignments_dir
        self.cache_dir = cache_dir
        self._graders: dict[str, tuple[float, Grader]] = {}
        self._lock = threading.Lock()

    def get(self, assignment_id: str) -> Grader:
        directory = self.assignments_dir / assignment_id
        stamp = (directory / "assignment.yaml").stat().st_mtime
        with self._lock:
            cached = self._graders.get(assignment_id)
            if cached is None or cached[0] != stamp:
                cached = (stamp, Grader.load(directory, self.cache_dir))
                self._graders[assignment_id] = cached
            return cached[1]


class JobRunner:
    def __init__(
        self,
        store: SubmissionStore,
        graders: Callable[[str], Grader],
        sandbox: Sandbox,
        lease_seconds: float,
        max_attempts: int,
    ) -> None:
        self.store = store
        self.graders = graders
        self.sandbox = sandbox
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts

    def run(self, job_id: str) -> Outcome:
        claim = self.store.claim(job_id, self.lease_seconds, self.max_attempts)
        if claim is None:  # finished, failed after too many attempts, or held by a live lease
            return Outcome(OutcomeKind.SKIPPED, "not claimable")
        job = claim.job
        with Heartbeat(self.store, claim, self.lease_seconds):
            try:
                submission = self.store.submission(job.submission_id)
                if submission is None:
                    raise InfrastructureError(f"submission {job.submission_id} is not in the store")
                grader = self.graders(submission.assignment_id)
                files = self.store.files(submission.id)
                run_id = f"{job.id}-a{job.attempts}"  # containers named by job and attempt
                results = grader.grade(files, self.sandbox, run_id, group=job.id)
            except SpecError as exc:
                self.store.fail(claim, f"the assignment is misconfigured (instructor): {exc}")
                return Outcome(OutcomeKind.FAILED, str(exc))
            except SubmissionError as exc:
                results = not_gradable(str(exc))
            except InfrastructureError as exc:
                if job.attempts >= self.max_attempts:
                    self.store.fail(claim, _infrastructure_message(self.max_attempts, exc))
                    return Outcome(OutcomeKind.FAILED, str(exc))
                self.store.release(claim, f"infrastructure error, will retry: {exc}")
                return Outcome(OutcomeKind.RELEASED, str(exc))
        if not self.store.finish(claim, results):
            return Outcome(OutcomeKind.SKIPPED, "claim was superseded; verdict not written")
        return Outcome(OutcomeKind.GRADED, f"score {results['score']}")


def _infrastructure_message(max_attempts: int, exc: Exception) -> str:
    return (
        f"infrastructure failure: grading failed {max_attempts} times on our side; this is "
        f"not a problem with the submission. Last error: {exc}"
    )
