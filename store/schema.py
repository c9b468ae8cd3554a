"""The SQLite schema of the store: submissions, regrades and jobs; the instructors'
extensions (a new due per student, ISO 8601 text with its offset) and publications."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id TEXT PRIMARY KEY,
    assignment_id TEXT NOT NULL,
    student TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_by_assignment
    ON submissions (assignment_id, student, created_at);
CREATE TABLE IF NOT EXISTS regrades (
    id TEXT PRIMARY KEY,
    assignment_id TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    regrade_id TEXT REFERENCES regrades (id),
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    queued_at REAL,
    started_at REAL,
    finished_at REAL,
    claim_token TEXT,
    lease_until REAL,
    message TEXT,
    results TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_submission ON jobs (submission_id, created_at);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status);
CREATE TABLE IF NOT EXISTS extensions (
    assignment_id TEXT NOT NULL,
    student TEXT NOT NULL,
    due TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at REAL NOT NULL,
    PRIMARY KEY (assignment_id, student)
);
CREATE TABLE IF NOT EXISTS publications (
    assignment_id TEXT PRIMARY KEY,
    published_at REAL NOT NULL,
    published_by TEXT NOT NULL
);
"""

# The columns of ``jobs`` in the order of ``Job``'s fields (see ``Job.from_row``).
JOB_COLUMNS = (
    "id, submission_id, reason, requested_by, regrade_id, status, attempts, created_at, "
    "queued_at, started_at, finished_at, claim_token, lease_until, message, results"
)
