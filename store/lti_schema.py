"""The SQLite tables of the LTI records (store/lti_records.py), in the store's database."""

from __future__ import annotations

LTI_SCHEMA = """
CREATE TABLE IF NOT EXISTS lti_links (
    id TEXT PRIMARY KEY,
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    deployment_id TEXT NOT NULL,
    resource_link_id TEXT NOT NULL,
    assignment_id TEXT NOT NULL,
    context_id TEXT NOT NULL DEFAULT '',
    context_title TEXT NOT NULL DEFAULT '',
    lineitem TEXT,
    lineitems TEXT,
    memberships_url TEXT,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS lti_links_by_assignment ON lti_links (assignment_id);
CREATE TABLE IF NOT EXISTS lti_people (
    key TEXT PRIMARY KEY,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS lti_enrolments (
    link_id TEXT NOT NULL REFERENCES lti_links (id),
    person TEXT NOT NULL REFERENCES lti_people (key),
    PRIMARY KEY (link_id, person)
);
CREATE TABLE IF NOT EXISTS lti_nonces (
    issuer TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (issuer, nonce)
);
CREATE TABLE IF NOT EXISTS lti_outbox (
    id TEXT PRIMARY KEY,
    link_id TEXT NOT NULL REFERENCES lti_links (id),
    person TEXT NOT NULL,
    user_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    score_given REAL NOT NULL,
    score_maximum REAL NOT NULL,
    comment TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    next_at REAL NOT NULL,
    last_error TEXT,
    sent_at REAL,
    retryable INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS lti_outbox_by_state ON lti_outbox (state, next_at);
CREATE INDEX IF NOT EXISTS lti_outbox_by_target ON lti_outbox (link_id, person, created_at);
"""
