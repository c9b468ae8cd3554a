"""The API against its own OpenAPI schema, with schemathesis: every endpoint under /api,
as a student and as an instructor.

Checks (schemathesis's defaults): no 5xx, every status code documented, content types,
bodies and headers (Allow of a 405) as documented, schema-valid requests accepted and
invalid ones refused. The app is the one of tests/unit/api_harness.py (a real
SQLiteStore in a temporary folder, a recording fake queue, fake probes), seeded with
submissions (graded, regraded after a failure, queued) and a regrade; path parameters
take a seeded id half of the time, so the GET endpoints answer 200 too, not only 404.
Bounded (50 examples per endpoint and role, ~20 s) and reproducible (derandomized)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests.unit.api_harness import ASSIGNMENT, Harness, make_harness


def seeded(root: Path) -> tuple[Harness, dict[str, list[str]]]:
    """The app, and the ids it holds: alice's submissions (one graded; one failed, then
    graded by a regrade), bob's (queued, no results yet), the regrade; the assignments."""
    h = make_harness(root)
    graded, regraded = h.submit("tok-alice"), h.submit("tok-alice")
    queued = h.submit("tok-bob")
    h.grade(h.latest_job(graded))
    h.fail(h.latest_job(regraded), "the sandbox ran out of memory")
    regrade = h.client.post(
        f"/api/assignments/{ASSIGNMENT}/regrade", headers={"Authorization": "Bearer tok-prof"}
    )
    assert regrade.status_code == 202, regrade.text
    h.grade(h.latest_job(regraded))
    ids = {
        "submissions": [graded, regraded, queued],
        "regrades": [regrade.json()["regrade_id"]],
        "assignments": [ASSIGNMENT],
        "students": ["alice", "bob"],
    }
    return h, ids


# An upload valid by the schema may still be refused for what its files are (the schema
# cannot say which files an assignment requires, nor how large they may be): 413, 422.
ACCEPTABLE = ["2xx", "3xx", "401", "403", "404", "409", "413", "422", "429"]
UPLOAD = "POST /api/assignments/{assignment_id}/submissions"


def config(token: str, ids: dict[str, list[str]]) -> SchemathesisConfig:
    known = {name: {"dictionary": name, "probability": 0.5} for name in ids}
    return SchemathesisConfig.from_dict(
        {
            "auth": {"openapi": {"HTTPBearer": {"bearer": token}}},
            "dictionaries": {name: {"values": values} for name, values in ids.items()},
            "operations": [
                {
                    "include-name": UPLOAD,
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": ACCEPTABLE},
                    },
                }
            ],
            "parameters": {
                "path.submission_id": known["submissions"],
                "path.regrade_id": known["regrades"],
                "path.assignment_id": known["assignments"],
                "query.student": known["students"],
            },
        }
    )


def schema_as(token: str) -> OpenApiSchema:
    """The app's own schema, its operations under /api, requested with this token."""
    loaded = schemathesis.openapi.from_asgi("/openapi.json", HARNESS.app, config=config(token, IDS))
    return loaded.include(path_regex="^/api/")


# schemathesis parametrizes when the module is collected, so the app is built then (its
# lazy loader, schemathesis.pytest.from_fixture, sets Function._nodeid: pytest 9.2 has none)
FOLDER = tempfile.TemporaryDirectory(prefix="mlgrader-schema-")
HARNESS, IDS = seeded(Path(FOLDER.name))
STUDENT, INSTRUCTOR = schema_as("tok-alice"), schema_as("tok-prof")
BOUNDED = settings(max_examples=50, deadline=None, derandomize=True)


@pytest.fixture(scope="module", autouse=True)
def _remove_folder() -> Iterator[None]:
    yield
    FOLDER.cleanup()


@STUDENT.parametrize()
@BOUNDED
def test_as_a_student(case: schemathesis.Case) -> None:
    case.call_and_validate()


@INSTRUCTOR.parametrize()
@BOUNDED
def test_as_an_instructor(case: schemathesis.Case) -> None:
    case.call_and_validate()
