"""The API's routes other than uploads (api/routes.py): submission records and who may
see them, listings, regrades, the error shape, health and the OpenAPI document. A real
SQLiteStore in a temporary folder and a recording fake queue."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from api.wiring import default_probes
from grader.release import WITHHELD_TOTAL
from tests.unit.api_harness import (
    ASSIGNMENT,
    POOL_FIGURES,
    RESULTS,
    Harness,
    assert_error,
    headers,
)

SHOWN = {**RESULTS, "raw_score": 7.0, "late": None}  # as shown: the grading with its lateness

# ---------------------------------------------------------------- records and authorization


def test_the_record_follows_the_job(h: Harness) -> None:
    submission_id = h.submit("tok-alice")
    url = f"/api/submissions/{submission_id}"
    record = h.get("tok-alice", url).json()
    assert record["status"] == "queued" and record["attempts"] == 0
    assert record["results"] is None and record["graded_at"] is None and record["message"] is None
    assert record["assignment_id"] == ASSIGNMENT and record["student"] == "alice"
    assert record["created_at"].endswith("Z")
    assert_error(
        h.get("tok-alice", f"{url}/results.json"), 404, "no_results", "no results yet (queued)"
    )

    claim = h.store.claim(h.latest_job(submission_id), 30, 3)
    assert claim is not None
    record = h.get("tok-alice", url).json()
    assert record["status"] == "running" and record["attempts"] == 1

    assert h.store.finish(claim, RESULTS)
    record = h.get("tok-prof", url).json()
    assert record["status"] == "graded" and record["results"] == SHOWN
    assert (record["score"], record["raw_score"], record["late"]) == (7.0, 7.0, None)
    assert record["graded_at"] is not None and record["graded_at"].endswith("Z")
    assert record["history"] == [
        {
            "job_id": claim.job.id,
            "reason": "submit",
            "requested_by": "alice",
            "status": "graded",
            "created_at": record["created_at"],
            "finished_at": record["graded_at"],
            "score": 7.0,
        }
    ]


def test_a_failed_grading_shows_its_message(h: Harness) -> None:
    submission_id = h.submit("tok-alice")
    h.fail(h.latest_job(submission_id), "not gradable: hw2.py has a syntax error")
    record = h.get("tok-alice", f"/api/submissions/{submission_id}").json()
    assert record["status"] == "failed" and record["results"] is None
    assert record["message"] == "not gradable: hw2.py has a syntax error"


def test_students_see_only_released_tests_and_no_total_while_any_is_withheld(
    h: Harness,
) -> None:
    submission_id = h.submit("tok-alice")
    h.grade(h.latest_job(submission_id))
    for path in (
        f"/api/submissions/{submission_id}",
        f"/api/submissions/{submission_id}/results.json",
    ):
        student = h.get("tok-alice", path).json()
        instructor = h.get("tok-prof", path).json()
        if "results" in student:
            assert student["score"] is None and student["raw_score"] is None
            assert [g["score"] for g in student["history"]] == [None]
            assert instructor["score"] == 7.0 and instructor["history"][0]["score"] == 7.0
            student, instructor = student["results"], instructor["results"]
        assert [t["name"] for t in student["tests"]] == ["seen"]
        assert "hidden details" not in str(student)
        assert "extra_data" not in student and "sandbox_log" not in str(student)
        assert student["score"] is None and student["raw_score"] is None
        assert student["output"] == WITHHELD_TOTAL
        assert "7" not in student["output"]
        assert instructor == SHOWN


def test_with_every_test_visible_students_see_the_total(h: Harness) -> None:
    submission_id = h.submit("tok-alice")
    visible = [{**t, "visibility": "visible"} for t in RESULTS["tests"]]
    h.grade(h.latest_job(submission_id), {**RESULTS, "tests": visible})
    record = h.get("tok-alice", f"/api/submissions/{submission_id}").json()
    assert record["score"] == 7.0 and record["results"]["score"] == 7.0
    assert record["results"]["output"] == RESULTS["output"]
    assert len(record["results"]["tests"]) == 4 and "extra_data" not in record["results"]


def test_a_student_cannot_see_another_students_submission(h: Harness) -> None:
    submission_id = h.submit("tok-alice")
    h.grade(h.latest_job(submission_id))
    for path in (
        f"/api/submissions/{submission_id}",
        f"/api/submissions/{submission_id}/results.json",
    ):
        assert_error(h.get("tok-bob", path), 404, "not_found", f"no submission {submission_id!r}")
        assert h.get("tok-alice", path).status_code == 200
        assert h.get("tok-prof", path).status_code == 200
    assert_error(h.get("tok-bob", "/api/submissions/nope"), 404, "not_found", "no submission")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/assignments/{ASSIGNMENT}/submissions"),
        ("POST", f"/api/assignments/{ASSIGNMENT}/regrade"),
        ("GET", "/api/regrades/anything"),
    ],
)
def test_students_cannot_list_or_regrade(h: Harness, method: str, path: str) -> None:
    h.submit("tok-alice")
    response = h.client.request(method, path, headers=headers("tok-alice"))
    assert_error(response, 403, "forbidden", "only instructors")
    assert h.store.regrade_jobs("anything") is None
    assert len(h.store.jobs_of(h.store.submissions(ASSIGNMENT)[0].id)) == 1


def test_instructors_list_submissions(h: Harness) -> None:
    first = h.submit("tok-alice")
    second = h.submit("tok-alice")
    bobs = h.submit("tok-bob")
    h.grade(h.latest_job(first))
    listed = h.get("tok-prof", f"/api/assignments/{ASSIGNMENT}/submissions").json()
    assert [s["id"] for s in listed] == [first, second, bobs]
    assert listed[0]["status"] == "graded" and listed[0]["score"] == 7.0
    assert listed[1]["status"] == "queued" and listed[1]["score"] is None
    latest = h.get("tok-prof", f"/api/assignments/{ASSIGNMENT}/submissions?latest=true").json()
    assert [s["id"] for s in latest] == [second, bobs]
    only_bob = h.get("tok-prof", f"/api/assignments/{ASSIGNMENT}/submissions?student=bob").json()
    assert [s["id"] for s in only_bob] == [bobs]
    response = h.get("tok-prof", "/api/assignments/cs999_hw9/submissions")
    assert_error(response, 404, "unknown_assignment", "no assignment 'cs999_hw9'")


def test_validation_errors_have_the_error_shape(h: Harness) -> None:
    response = h.get("tok-prof", f"/api/assignments/{ASSIGNMENT}/submissions?latest=maybe")
    assert_error(response, 422, "invalid_request", "query.latest: Input should be a valid boolean")


def test_unknown_routes_and_methods_have_the_error_shape(h: Harness) -> None:
    assert_error(h.client.get("/api/nothing"), 404, "not_found", "no endpoint GET /api/nothing")
    assert_error(h.client.delete("/api/health"), 405, "method_not_allowed", "DELETE /api/health")


def test_an_unexpected_error_is_a_500_in_the_error_shape(h: Harness) -> None:
    def explode(submission_id: str) -> None:
        raise RuntimeError("disk on fire")

    h.store.submission = explode  # type: ignore[method-assign]
    client = TestClient(h.app, raise_server_exceptions=False)
    response = client.get("/api/submissions/x", headers=headers("tok-prof"))
    assert_error(response, 500, "internal_error", "internal error")
    assert "disk on fire" not in response.text


# ---------------------------------------------------------------- regrades


def test_a_regrade_grades_each_latest_submission_again_and_keeps_history(h: Harness) -> None:
    old = h.submit("tok-alice")
    latest = h.submit("tok-alice")
    bobs = h.submit("tok-bob")
    for submission_id in (old, latest, bobs):
        h.grade(h.latest_job(submission_id))
    h.sent.clear()

    response = h.client.post(f"/api/assignments/{ASSIGNMENT}/regrade", headers=headers("tok-prof"))
    assert response.status_code == 202
    regrade_id = response.json()["regrade_id"]
    assert response.json() == {"regrade_id": regrade_id, "jobs": 2}
    assert sorted(h.sent) == sorted([h.latest_job(latest), h.latest_job(bobs)])
    assert len(h.store.jobs_of(old)) == 1

    progress_url = f"/api/regrades/{regrade_id}"
    progress = h.get("tok-prof", progress_url).json()
    assert progress == {
        "regrade_id": regrade_id,
        "assignment_id": ASSIGNMENT,
        "total": 2,
        "graded": 0,
        "failed": 0,
        "pending": 2,
        "done": False,
    }
    # while the regrade runs, the earlier results stay shown
    record = h.get("tok-alice", f"/api/submissions/{latest}").json()
    assert record["status"] == "queued" and record["results"] is not None
    first_graded_at = record["graded_at"]

    h.clock.advance(60)
    better = {**RESULTS, "score": 9.0}
    h.grade(h.latest_job(latest), better)
    h.fail(h.latest_job(bobs), "infrastructure failure")
    progress = h.get("tok-prof", progress_url).json()
    assert (progress["graded"], progress["failed"], progress["pending"]) == (1, 1, 0)
    assert progress["done"] is True

    record = h.get("tok-prof", f"/api/submissions/{latest}").json()
    assert record["status"] == "graded" and record["results"]["score"] == 9.0
    assert record["graded_at"] > first_graded_at
    history = record["history"]
    assert [(g["reason"], g["requested_by"], g["status"], g["score"]) for g in history] == [
        ("submit", "alice", "graded", 7.0),
        ("regrade", "prof", "graded", 9.0),
    ]
    # a failed regrade keeps the earlier results, with the failure's message
    record = h.get("tok-bob", f"/api/submissions/{bobs}").json()
    assert record["status"] == "failed" and record["message"] == "infrastructure failure"
    assert record["results"]["tests"][0]["name"] == "seen" and len(record["results"]["tests"]) == 1
    instructor = h.get("tok-prof", f"/api/submissions/{bobs}").json()
    assert instructor["results"]["score"] == 7.0


def test_a_regrade_of_nothing_is_done_at_once(h: Harness) -> None:
    response = h.client.post(f"/api/assignments/{ASSIGNMENT}/regrade", headers=headers("tok-prof"))
    assert response.json()["jobs"] == 0
    progress = h.get("tok-prof", f"/api/regrades/{response.json()['regrade_id']}").json()
    assert progress["total"] == 0 and progress["done"] is True


def test_regrade_errors(h: Harness) -> None:
    response = h.client.post("/api/assignments/cs999_hw9/regrade", headers=headers("tok-prof"))
    assert_error(response, 404, "unknown_assignment", "no assignment 'cs999_hw9'")
    assert_error(h.get("tok-prof", "/api/regrades/nope"), 404, "not_found", "no regrade 'nope'")


def test_a_regrade_stops_sending_when_the_queue_is_down(h: Harness) -> None:
    for token in ("tok-alice", "tok-bob"):
        h.submit(token)
    attempts: list[str] = []

    def down(job_id: str) -> None:
        attempts.append(job_id)
        raise ConnectionError("Redis is down")

    h.use_queue(down)
    response = h.client.post(f"/api/assignments/{ASSIGNMENT}/regrade", headers=headers("tok-prof"))
    assert response.status_code == 202 and response.json()["jobs"] == 2
    assert len(attempts) == 1  # the rest stay "received" for the sweep


# ---------------------------------------------------------------- health and documentation


def test_health_reports_each_service(h: Harness) -> None:
    assert h.client.get("/api/health").json() == {
        "status": "ok",
        "redis": True,
        "store": True,
        "docker": True,
        "pool": POOL_FIGURES,
    }
    h.health["docker"] = False
    response = h.client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded" and response.json()["docker"] is False


def test_health_without_pool_figures_says_null(h: Harness) -> None:
    def unreadable() -> dict[str, int]:
        raise ConnectionError("redis down")

    probes = dataclasses.replace(h.app.state.services.probes, pool=unreadable)
    h.app.state.services = dataclasses.replace(h.app.state.services, probes=probes)
    assert h.client.get("/api/health").json()["pool"] is None


def test_default_probes_report_an_unreachable_redis(h: Harness) -> None:
    settings = dataclasses.replace(h.settings, redis_url="redis://127.0.0.1:1/0")
    report = default_probes(settings, h.store).report()
    assert report["redis"] is False and report["store"] is True


def test_openapi_lists_every_endpoint(h: Harness) -> None:
    spec = h.client.get("/openapi.json").json()
    assert {path: sorted(ops) for path, ops in spec["paths"].items()} == {
        "/api/assignments/{assignment_id}/submissions": ["get", "post"],
        "/api/submissions/{submission_id}": ["get"],
        "/api/submissions/{submission_id}/results.json": ["get"],
        "/api/assignments/{assignment_id}/regrade": ["post"],
        "/api/regrades/{regrade_id}": ["get"],
        "/api/health": ["get"],
        "/api/assignments/{assignment_id}/policy": ["get"],
        "/api/assignments/{assignment_id}/extensions": ["get"],
        "/api/assignments/{assignment_id}/extensions/{student}": ["delete", "put"],
        "/api/assignments/{assignment_id}/publication": ["delete", "put"],
    }
    upload = spec["paths"]["/api/assignments/{assignment_id}/submissions"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"401", "403", "413", "415", "422", "429"} <= set(upload["responses"])
    assert "Retry-After" in upload["responses"]["429"]["headers"]
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    docs = h.client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
