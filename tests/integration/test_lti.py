"""LTI 1.3 end to end: the LMS emulator (tests/integration/lms/) against the real stack
(API, Redis, Celery worker, Docker), launched in a real Chromium where a person would.

One emulator and one stack for the module; every student here comes from the LMS.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import expect

from store import SQLiteLtiStore
from tests.conftest import REPO
from tests.integration.browser import NewPage, shot
from tests.integration.lms import (
    DEEP_LINKING_REQUEST,
    INSTRUCTOR,
    LmsEmulator,
    Tamper,
    alg_none,
    expired,
    form_fields,
    unknown_deployment,
    wrong_audience,
    wrong_issuer,
)
from tests.integration.service_stack import Stack

pytestmark = pytest.mark.docker

ASSIGNMENT = "cs189_hw2"
LINK = "hw2-link"
REFERENCE = REPO / "reference" / "cs189_hw2" / "hw2.py"
NOTHING = b"def unrelated():\n    return 0\n"  # graded fast: every test fails, score 0
GRADING_MS = 180_000


World = tuple[Stack, LmsEmulator, LmsEmulator]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, docker_sandbox: object) -> Iterator[World]:
    """The stack, an LMS at the same site (127.0.0.1), and one at another ("localhost"),
    whose course page holds the tool in a third-party iframe."""
    root = tmp_path_factory.mktemp("lti")
    config = root / "lti.yaml"
    stack = Stack(
        root,
        GRADER_LTI_CONFIG=str(config),
        GRADER_PASSBACK_BACKOFF="1,1,2",
        GRADER_SWEEP_SECONDS="1",
    )
    lms = LmsEmulator(tool_url=stack.base_url)
    other = LmsEmulator(tool_url=stack.base_url, host="localhost", client_id="grader-elsewhere")
    config.write_text(yaml.safe_dump([lms.registration(), other.registration("Elsewhere")]))
    other.add_user("sam", "Sam Elsewhere", "sam@elsewhere.edu")
    other.add_resource_link(LINK, "CS189 HW2", custom={"assignment_id": ASSIGNMENT})
    lms.add_user("sam", "Sam Student", "sam@example.edu")
    lms.add_user("ana", "Ana Absent", "ana@example.edu")
    lms.add_user("pat", "Pat Professor", "pat@example.edu", roles=(INSTRUCTOR,))
    for i in range(3):
        lms.add_user(f"s{i}", f"Student {i}", f"s{i}@example.edu")
    lms.add_resource_link(LINK, "CS189 HW2", custom={"assignment_id": ASSIGNMENT})
    lms.add_lineitem("CS189 HW2", 37, resource_link_id=LINK)
    try:
        lms.start()
        other.start()
        stack.start_redis()
        stack.start_worker()
        stack.start_api()
        yield stack, lms, other
    finally:
        stack.stop()
        lms.stop()
        other.stop()


def records(stack: Stack) -> SQLiteLtiStore:
    return SQLiteLtiStore(Path(stack.env["GRADER_DATA_DIR"]))


def wait_for(what: str, ready: Callable[[], Any], timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = ready()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def accepted(lms: LmsEmulator, user: str, link: str = LINK) -> list[Any]:
    """The scores the LMS accepted for this user on this link's gradebook column."""
    column = lms.lineitem_for(link)["id"]
    return [
        r
        for r in lms.score_posts
        if r.outcome == "accepted" and r.body["userId"] == user and r.info["lineitem"] == column
    ]


def failed_posts(lms: LmsEmulator) -> list[Any]:
    return [r for r in lms.score_posts if r.outcome == "failed"]


# ------------------------------------------------------------------ launches over HTTP


@pytest.fixture
def browsers() -> Iterator[Callable[[], httpx.Client]]:
    """httpx clients standing in for browsers (a cookie jar each), closed afterwards."""
    made: list[httpx.Client] = []

    def make() -> httpx.Client:
        made.append(httpx.Client(timeout=30))
        return made[-1]

    yield make
    for client in made:
        client.close()


Browsers = Callable[[], httpx.Client]


def launch_over_http(
    stack: Stack,
    lms: LmsEmulator,
    client: httpx.Client,
    user: str,
    tamper: Tamper | None = None,
    **options: Any,
) -> httpx.Response:
    """The browser's part of a launch, done with httpx: login, authorization, launch."""
    lms.next_token_tamper = tamper
    login = client.post(f"{stack.base_url}/lti/login", data=lms.login_params(user, **options))
    assert login.status_code == 302, login.text
    authorized = client.get(login.headers["location"])
    assert authorized.status_code == 200, authorized.text
    form = form_fields(authorized.text)
    return client.post(form.action, data=form.fields)


def signed_in(stack: Stack, client: httpx.Client) -> bool:
    return client.get(f"{stack.base_url}/").status_code == 200


def upload_over_http(stack: Stack, client: httpx.Client, source: bytes) -> str:
    page = client.get(f"{stack.base_url}/assignments/{ASSIGNMENT}")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match is not None, page.text[:500]
    sent = client.post(
        f"{stack.base_url}/assignments/{ASSIGNMENT}/submissions",
        data={"csrf": match.group(1)},
        files=[("files", ("hw2.py", source, "text/x-python"))],
    )
    assert sent.status_code == 303, sent.text[:500]
    return str(sent.headers["location"]).rsplit("/", 1)[1]


def graded(stack: Stack, client: httpx.Client, submission_id: str) -> bool:
    status = client.get(f"{stack.base_url}/submissions/{submission_id}/status.json").json()
    return bool(status["final"])


REFUSALS: dict[str, Callable[[LmsEmulator], Tamper]] = {
    "bad signature": lambda lms: lms.bad_signature,
    "alg none": lambda _: alg_none,
    "HS256 with the public key": lambda lms: lms.alg_confusion,
    "unknown issuer": lambda _: wrong_issuer,
    "wrong audience": lambda _: wrong_audience,
    "expired": lambda _: expired,
    "unknown deployment": lambda _: unknown_deployment,
    "replayed token": lambda lms: lms.replay(),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_an_invalid_launch_is_refused_and_keeps_nothing(
    world: World, browsers: Browsers, case: str
) -> None:
    stack, lms, _ = world
    good = browsers()
    valid = launch_over_http(stack, lms, good, "s0", resource_link_id=LINK)
    assert valid.status_code == 303 and valid.headers["location"] == f"/assignments/{ASSIGNMENT}"
    assert signed_in(stack, good)
    before = records(stack).people()
    bad = browsers()
    refused = launch_over_http(stack, lms, bad, "s1", REFUSALS[case](lms), resource_link_id=LINK)
    assert 400 <= refused.status_code < 500, (case, refused.status_code)
    assert "this LTI launch is refused" in refused.text, refused.text[:800]
    assert not signed_in(stack, bad)
    assert records(stack).people() == before


def test_a_launch_whose_state_is_not_this_browsers_is_refused(
    world: World, browsers: Browsers
) -> None:
    stack, lms, _ = world
    client = browsers()
    login = client.post(f"{stack.base_url}/lti/login", data=lms.login_params("s2", LINK))
    form = form_fields(client.get(login.headers["location"]).text)
    stranger = browsers()  # another browser: it has no state cookie
    refused = stranger.post(form.action, data=form.fields)
    assert refused.status_code == 401 and "does not belong to this browser" in refused.text
    forged = client.post(form.action, data={**form.fields, "state": "forged"})
    assert forged.status_code == 401


# ------------------------------------------------------------------ in the browser


def test_a_launch_opens_the_assignment_and_the_score_reaches_the_gradebook(
    world: World, new_page: NewPage
) -> None:
    stack, lms, _ = world
    page = new_page()
    page.goto(lms.launch_url("sam", LINK))
    page.wait_for_url(f"{stack.base_url}/assignments/{ASSIGNMENT}")
    expect(page.locator(".who")).to_contain_text("Sam Student")
    shot(page, "launched")
    page.get_by_test_id("upload-input").set_input_files(str(REFERENCE))
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("score")).to_have_text("37 / 37", timeout=GRADING_MS)
    shot(page, "graded")

    (post,) = wait_for("Sam's score at the LMS", lambda: accepted(lms, "sam"))
    assert post.headers["content-type"].startswith("application/vnd.ims.lis.v1.score+json")
    assert post.headers["authorization"].startswith("Bearer ")
    body = post.body
    assert (body["scoreGiven"], body["scoreMaximum"]) == (37, 37)
    assert (body["activityProgress"], body["gradingProgress"]) == ("Completed", "FullyGraded")
    assert re.search(r"T\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$", body["timestamp"]), body
    assert body["comment"].startswith("Score 37 / 37")
    assert post.info["lineitem"] == lms.lineitem_for(LINK)["id"]
    tokens = [r for r in lms.token_requests if r.outcome == "ok"]
    assert tokens and tokens[-1].info["claims"]["iss"] == lms.registration()["client_id"]


def test_deep_linking_adds_an_assignment_with_its_gradebook_column(
    world: World, new_page: NewPage, browsers: Browsers
) -> None:
    stack, lms, _ = world
    page = new_page()
    page.goto(lms.launch_url("pat", None, message_type=DEEP_LINKING_REQUEST))
    choice = page.locator(f"[data-testid=deep-link-choice][value={ASSIGNMENT}]")
    expect(choice).to_have_count(1)
    shot(page, "deep-link-picker")
    choice.check()
    page.get_by_test_id("deep-link-submit").click()
    expect(page.locator("body")).to_contain_text("Added", timeout=30_000)
    shot(page, "deep-link-added")

    (returned,) = [r for r in lms.deep_link_returns if r.outcome == "ok"]
    (item,) = returned.info["content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["custom"] == {"assignment_id": ASSIGNMENT}
    assert item["lineItem"]["scoreMaximum"] == 37
    assert item["lineItem"]["resourceId"] == ASSIGNMENT
    (created,) = returned.info["created_links"]
    launched = launch_over_http(stack, lms, browsers(), "s2", resource_link_id=created)
    assert launched.status_code == 303
    assert launched.headers["location"] == f"/assignments/{ASSIGNMENT}"


def test_the_dashboard_shows_gradebook_sync_and_who_has_not_submitted(
    world: World, new_page: NewPage, browsers: Browsers
) -> None:
    stack, lms, _ = world
    client = browsers()
    launch_over_http(stack, lms, client, "sam", resource_link_id=LINK)
    if not accepted(lms, "sam"):  # run alone: Sam has not submitted yet
        submission = upload_over_http(stack, client, NOTHING)
        wait_for("Sam's grading", lambda: graded(stack, client, submission), 180)
        wait_for("Sam's score at the LMS", lambda: accepted(lms, "sam"))
    page = new_page()
    page.goto(lms.launch_url("pat", LINK))
    page.wait_for_url(f"{stack.base_url}/assignments/{ASSIGNMENT}")
    page.goto(f"{stack.base_url}/assignments/{ASSIGNMENT}/dashboard")
    missing = page.get_by_test_id("roster-missing")
    expect(missing).to_contain_text("Ana Absent")
    assert "Sam Student" not in missing.inner_text()
    assert "Pat Professor" not in missing.inner_text()
    sam = page.locator("tr[data-testid=student-row]", has_text="Sam Student")
    expect(sam.get_by_test_id("gradebook-sync")).to_have_attribute("data-state", "sent")
    shot(page, "dashboard")


def test_scores_wait_out_an_lms_outage_and_arrive_once_in_order(
    world: World, browsers: Browsers
) -> None:
    stack, lms, _ = world
    students = ["s0", "s1", "s2"]
    clients = {s: browsers() for s in students}
    for student, client in clients.items():
        launch_over_http(stack, lms, client, student, resource_link_id=LINK)
    lms.scores_fail(500)
    try:
        for student in students:
            client = clients[student]
            submission = upload_over_http(stack, client, NOTHING)
            wait_for(f"{student}'s grading", lambda c=client, s=submission: graded(stack, c, s))
        # the first score waits (and the others behind it, to keep their order)
        wait_for("refused tries", lambda: len(failed_posts(lms)) >= 3)
        lms.scores_refuse_connections()
        time.sleep(4)  # the worker keeps trying against a closed port
    finally:
        lms.scores_ok()
    for student in students:
        wait_for(f"{student}'s score", lambda s=student: accepted(lms, s), 60)
    column = lms.lineitem_for(LINK)["id"]
    arrived = [
        r.body["userId"]
        for r in lms.score_posts
        if r.outcome == "accepted" and r.info["lineitem"] == column
    ]
    ours = [user for user in arrived if user in students]
    assert sorted(ours) == students and len(ours) == len(set(ours))  # each once
    assert ours == students  # in the order they were graded
    assert not [r for r in lms.score_posts if r.outcome == "ignored"]


# ------------------------------------------------------------------ without the state cookie


def test_in_a_third_party_iframe_the_launch_is_checked_with_platform_storage(
    world: World, new_page: NewPage
) -> None:
    stack, _, other = world
    page = new_page()
    page.goto(other.launch_url("sam", LINK, storage_target="_parent"))
    tool = page.frame(name="tool")
    assert tool is not None
    tool.wait_for_url(lambda url: url.startswith(stack.base_url) and "/lti/" not in url)
    # accepted, on to the assignment; over plain HTTP the session cookie cannot be kept in
    # a third-party iframe either, so the page asks to sign in (over HTTPS it is a
    # partitioned SameSite=None cookie, which is kept)
    assert tool.url.endswith(("/assignments/cs189_hw2", "/login?next=%2Fassignments%2Fcs189_hw2"))
    shot(page, "iframe-storage")
    kept = [m for m in other.storage_messages if m["message"]["subject"] == "lti.put_data"]
    read = [m for m in other.storage_messages if m["message"]["subject"] == "lti.get_data"]
    assert kept and read and kept[-1]["message"]["key"] == read[-1]["message"]["key"]
    assert read[-1]["response"]["value"] == kept[-1]["message"]["value"]
    people = records(stack).people().values()
    assert ("sam", other.issuer) in {(p.subject, p.issuer) for p in people}


def test_without_its_cookie_or_platform_storage_a_launch_offers_a_new_window(
    world: World, new_page: NewPage, browsers: Browsers
) -> None:
    stack, lms, _ = world
    began = browsers()
    login = began.post(f"{stack.base_url}/lti/login", data=lms.login_params("ana", LINK))
    form = form_fields(began.get(login.headers["location"]).text)
    framed = browsers()  # the iframe: it never got the state cookie
    offered = framed.post(form.action, data=form.fields)
    assert offered.status_code == 401 and "does not belong to this browser" in offered.text
    match = re.search(r'href="(/lti/login\?[^"]+)"[^>]*data-testid="lti-new-window"', offered.text)
    assert match is not None, offered.text[-800:]
    page = new_page()
    page.goto(stack.base_url + match.group(1).replace("&amp;", "&"))  # the new window
    page.wait_for_url(f"{stack.base_url}/assignments/{ASSIGNMENT}")
    expect(page.locator(".who")).to_contain_text("Ana Absent")
    shot(page, "new-window")


def test_a_link_without_a_gradebook_column_gets_one_for_its_scores(
    world: World, browsers: Browsers
) -> None:
    stack, lms, _ = world
    lms.add_user("kim", "Kim Newcolumn", "kim@example.edu")
    lms.add_resource_link("bare", "CS189 HW2, no column yet", custom={"assignment_id": ASSIGNMENT})
    client = browsers()
    assert launch_over_http(stack, lms, client, "kim", resource_link_id="bare").status_code == 303
    submission = upload_over_http(stack, client, NOTHING)
    wait_for("Kim's grading", lambda: graded(stack, client, submission))
    wait_for("Kim's score", lambda: lms.lineitem_for("bare") and accepted(lms, "kim", "bare"))
    created = [r for r in lms.recorded("lineitems") if r.method == "POST" and r.outcome == "ok"]
    assert len(created) == 1, [(r.method, r.outcome, r.body) for r in created]
    body = created[0].body
    assert (body["scoreMaximum"], body["resourceId"], body["resourceLinkId"]) == (
        37,
        ASSIGNMENT,
        "bare",
    )
