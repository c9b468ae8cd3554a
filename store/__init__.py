"""The durable store: submissions, their files, and grading jobs with their results.

``SubmissionStore`` (store/protocol.py) is what the API and the workers use;
``SQLiteStore`` (store/sqlite.py) implements it with SQLite and a folder of files.
The records and a job's states (``JobStatus``) are in store/records.py; the store's
time comes from a ``Clock`` (store/clock.py), replaceable in tests.
"""

from store.clock import SYSTEM_CLOCK, Clock, ManualClock, SystemClock
from store.protocol import SubmissionStore
from store.records import FINISHED, Claim, Job, JobReason, JobStatus, Submission
from store.sqlite import SQLiteStore

__all__ = [
    "FINISHED",
    "SYSTEM_CLOCK",
    "Claim",
    "Clock",
    "Job",
    "JobReason",
    "JobStatus",
    "ManualClock",
    "SQLiteStore",
    "Submission",
    "SubmissionStore",
    "SystemClock",
]
