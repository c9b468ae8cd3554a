"""The durable store: submissions, their files, and grading jobs with their results.

``SubmissionStore`` (store/protocol.py) is what the API and the workers use;
``SQLiteStore`` (store/sqlite.py) implements it with SQLite and a folder of files.
The records and a job's states (``JobStatus``) are in store/records.py; the store's
time comes from a ``Clock`` (store/clock.py), replaceable in tests.
"""

from store.clock import SYSTEM_CLOCK, Clock, ManualClock, SystemClock
from store.lti_records import LtiLink, LtiPerson, OutboxScore, ScoreState
from store.lti_sqlite import SQLiteLtiStore
from store.protocol import Admit, SubmissionStore
from store.records import (
    FINISHED,
    Claim,
    Extension,
    Job,
    JobReason,
    JobStatus,
    Publication,
    Submission,
    score_of,
    shown_job,
)
from store.sqlite import SQLiteStore

__all__ = [
    "FINISHED",
    "SYSTEM_CLOCK",
    "Admit",
    "Claim",
    "Clock",
    "Extension",
    "Job",
    "JobReason",
    "JobStatus",
    "LtiLink",
    "LtiPerson",
    "ManualClock",
    "OutboxScore",
    "Publication",
    "SQLiteLtiStore",
    "SQLiteStore",
    "ScoreState",
    "Submission",
    "SubmissionStore",
    "SystemClock",
    "score_of",
    "shown_job",
]
