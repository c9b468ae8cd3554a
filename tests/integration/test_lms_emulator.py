"""The LMS emulator of tests/integration/lms/, tested against a fake tool.

The fake tool is a small stdlib HTTP server with a throwaway RSA key: it serves its key
set at /lti/jwks (for the emulator's token endpoint and deep linking return), answers
/lti/login like an OIDC client and records what reaches /lti/launch.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from playwright.sync_api import Page, expect

from tests.integration.browser import NewPage
from tests.integration.lms import (
    AGS_CLAIM,
    ASSERTION_TYPE,
    DEEP_LINKING_REQUEST,
    DL,
    INSTRUCTOR,
    LINEITEM_TYPE,
    LINEITEMS_TYPE,
    LTI,
    MEMBERSHIPS_TYPE,
    NRPS_CLAIM,
    RESULTS_TYPE,
    SCOPE_LINEITEM,
    SCOPE_MEMBERSHIPS,
    SCOPE_RESULT_READONLY,
    SCOPE_SCORE,
    SCORE_TYPE,
    LmsEmulator,
    alg_none,
    expired,
    form_fields,
)

TOOL_KID = "tool-key-1"

LOGIN_WITH_STORAGE = """<!doctype html><html><body><p id="login">login</p><script>
var target = %(target)s, authUrl = %(auth)s, state = %(state)s;
var platform = new URL(authUrl).origin;
var frame = target === "_parent" ? window.parent : window.parent.frames[target];
window.addEventListener("message", function (event) {
  if (event.origin !== platform) return;
  var m = event.data;
  if (m.subject === "lti.capabilities.response") {
    frame.postMessage({subject: "lti.put_data", key: "state-" + state, value: state,
                       message_id: "put-1"}, platform);
  } else if (m.subject === "lti.put_data.response" && m.message_id === "put-1") {
    window.location.href = authUrl;
  }
});
window.parent.postMessage({subject: "lti.capabilities", message_id: "caps-1"}, platform);
</script></body></html>"""

LAUNCH_WITH_STORAGE = """<!doctype html><html><body><p id="stored"></p><script>
var target = %(target)s, platform = %(platform)s, state = %(state)s;
var frame = target === "_parent" ? window.parent : window.parent.frames[target];
window.addEventListener("message", function (event) {
  var m = event.data;
  if (event.origin === platform && m.subject === "lti.get_data.response") {
    document.getElementById("stored").textContent = m.value;
  }
});
frame.postMessage({subject: "lti.get_data", key: "state-" + state, message_id: "get-1"},
                  platform);
</script></body></html>"""


class FakeTool:
    """The tool's side, just enough for the emulator: keys, OIDC login, launch."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.lms_auth_url = ""
        self.logins: list[dict[str, str]] = []
        self.launches: list[dict[str, str]] = []
        self.nonces: dict[str, str] = {}  # state -> nonce
        self.server = _Server(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-tool")

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [jwk | {"kid": TOOL_KID, "alg": "RS256", "use": "sig"}]}

    def sign(self, claims: dict[str, Any], key: rsa.RSAPrivateKey | None = None) -> str:
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": TOOL_KID})

    def login(self, form: dict[str, str]) -> tuple[int, dict[str, str], str]:
        self.logins.append(form)
        state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
        self.nonces[state] = nonce
        query = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": form["client_id"],
            "redirect_uri": self.url + "/lti/launch",
            "login_hint": form["login_hint"],
            "lti_message_hint": form["lti_message_hint"],
            "state": state,
            "nonce": nonce,
        }
        auth = f"{self.lms_auth_url}?{urlencode(query)}"
        target = form.get("lti_storage_target")
        if not target:
            return 302, {"Location": auth}, ""
        values = {"target": target, "auth": auth, "state": state}
        return 200, {}, LOGIN_WITH_STORAGE % {k: json.dumps(v) for k, v in values.items()}

    def launch(self, form: dict[str, str]) -> tuple[int, dict[str, str], str]:
        self.launches.append(form)
        target = form.get("lti_storage_target")
        if not target:
            return 200, {}, '<!doctype html><html><body><p id="launched">launched</p></body></html>'
        platform = self.lms_auth_url.rsplit("/", 1)[0]
        values = {"target": target, "platform": platform, "state": form.get("state", "")}
        return 200, {}, LAUNCH_WITH_STORAGE % {k: json.dumps(v) for k, v in values.items()}


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the request threads


def _handler(tool: FakeTool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/lti/jwks":
                self._answer(200, {"Content-Type": "application/json"}, json.dumps(tool.jwks()))
            else:
                self._answer(404, {}, "not found")

        def do_POST(self) -> None:
            size = int(self.headers.get("Content-Length", 0))
            form = dict(parse_qsl(self.rfile.read(size).decode()))
            routes = {"/lti/login": tool.login, "/lti/launch": tool.launch}
            if self.path not in routes:
                self._answer(404, {}, "not found")
                return
            status, headers, body = routes[self.path](form)
            self._answer(status, headers | {"Content-Type": "text/html"}, body)

        def _answer(self, status: int, headers: dict[str, str], body: str) -> None:
            data = body.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture(scope="module")
def tool() -> Iterator[FakeTool]:
    fake = FakeTool()
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        fake.thread.join(10)


@pytest.fixture
def lms(tool: FakeTool) -> Iterator[LmsEmulator]:
    with LmsEmulator(tool_url=tool.url) as emulator:
        tool.lms_auth_url = emulator.auth_url
        emulator.add_user("u-alice", "Alice Liddell", "alice@example.edu")
        emulator.add_user("u-bob", "Bob Dylan", "bob@example.edu", roles=["Learner"])
        emulator.add_user("u-prof", "Pat Prof", "prof@example.edu", roles=[INSTRUCTOR])
        emulator.add_resource_link("rl-1", "Homework 2", custom={"assignment_id": "cs189_hw2"})
        emulator.add_lineitem("Homework 2", 37, resource_link_id="rl-1", resource_id="cs189_hw2")
        yield emulator


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, trust_env=False) as client:
        yield client


def lms_keys(http: httpx.Client, lms: LmsEmulator) -> dict[str, jwt.PyJWK]:
    return {k.key_id: k for k in jwt.PyJWKSet.from_dict(http.get(lms.jwks_url).json()).keys}


def verify(http: httpx.Client, lms: LmsEmulator, token: str) -> dict[str, Any]:
    key = lms_keys(http, lms)[jwt.get_unverified_header(token)["kid"]]
    return jwt.decode(
        token, key.key, algorithms=["RS256"], audience=lms.client_id, issuer=lms.issuer
    )


def assertion(
    tool: FakeTool, lms: LmsEmulator, key: rsa.RSAPrivateKey | None = None, **changes: Any
) -> str:
    now = int(time.time())
    claims = {
        "iss": lms.client_id,
        "sub": lms.client_id,
        "aud": lms.token_url,
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    } | changes
    return tool.sign(claims, key)


def access_token(http: httpx.Client, tool: FakeTool, lms: LmsEmulator, *scopes: str) -> str:
    answer = http.post(
        lms.token_url,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion(tool, lms),
            "scope": " ".join(scopes),
        },
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def stamp(seconds: float) -> str:
    return (datetime(2026, 5, 1, 12, tzinfo=UTC) + timedelta(seconds=seconds)).isoformat()


def score(user: str, given: float, seconds: float) -> dict[str, Any]:
    return {
        "userId": user,
        "scoreGiven": given,
        "scoreMaximum": 37,
        "comment": "graded",
        "timestamp": stamp(seconds),
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
    }


def test_starts_and_stops_twice_on_the_same_port(tool: FakeTool, http: httpx.Client) -> None:
    threads = set(threading.enumerate())
    lms = LmsEmulator(tool_url=tool.url)
    for _ in range(2):
        with lms:
            assert http.get(lms.jwks_url).status_code == 200
            lms.stop()
            with pytest.raises(httpx.ConnectError):
                http.get(lms.jwks_url)
            lms.start()
            assert http.get(lms.jwks_url).status_code == 200
        with pytest.raises(httpx.ConnectError):
            http.get(lms.jwks_url)
        assert set(threading.enumerate()) == threads
    assert lms.url == f"http://127.0.0.1:{lms.port}"
    assert lms.jwks_fetches == 4  # the state outlives the stops


def test_registration_names_the_emulator_endpoints(lms: LmsEmulator) -> None:
    assert lms.registration() == {
        "issuer": lms.url,
        "client_id": "grader-tool",
        "deployment_ids": ["deployment-1"],
        "auth_login_url": lms.url + "/auth",
        "auth_token_url": lms.url + "/token",
        "key_set_url": lms.url + "/jwks",
        "name": "LMS emulator",
    }


def test_id_tokens_verify_with_the_key_set(lms: LmsEmulator, http: httpx.Client) -> None:
    claims = verify(http, lms, lms.id_token("u-alice", "rl-1", "n-1"))
    assert claims["sub"] == "u-alice" and claims["nonce"] == "n-1"
    assert claims["azp"] == lms.client_id and claims["exp"] == claims["iat"] + 300
    assert claims[LTI + "message_type"] == "LtiResourceLinkRequest"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == "deployment-1"
    assert claims[LTI + "target_link_uri"] == lms.tool_url + "/lti/launch"
    assert claims[LTI + "resource_link"] == {"id": "rl-1", "title": "Homework 2"}
    assert claims[LTI + "custom"] == {"assignment_id": "cs189_hw2"}
    assert claims[LTI + "roles"] == ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    assert claims[LTI + "context"]["id"] == "course-1"
    assert claims[AGS_CLAIM]["lineitem"] == lms.lineitem_for("rl-1")["id"]  # type: ignore[index]
    assert claims[AGS_CLAIM]["lineitems"] == lms.lineitems_url
    assert claims[NRPS_CLAIM]["context_memberships_url"] == lms.memberships_url

    deep = verify(
        http,
        lms,
        lms.id_token(
            "u-prof", None, "n-2", message_type=DEEP_LINKING_REQUEST, deep_link_data="d-1"
        ),
    )
    settings = deep[DL + "deep_linking_settings"]
    assert settings["deep_link_return_url"] == lms.url + "/deep_link_return"
    assert settings["data"] == "d-1" and LTI + "resource_link" not in deep

    old_kid = lms.kid
    token = lms.id_token("u-alice", "rl-1", "n-3", deployment_id=None)
    assert LTI + "deployment_id" not in jwt.decode(token, options={"verify_signature": False})
    assert lms.rotate_key() != old_kid
    assert set(lms_keys(http, lms)) == {lms.kid}
    assert verify(http, lms, lms.id_token("u-alice", "rl-1", "n-4"))["nonce"] == "n-4"


def test_tampers_spoil_the_token(lms: LmsEmulator, http: httpx.Client) -> None:
    with pytest.raises(jwt.InvalidSignatureError):
        verify(http, lms, lms.id_token("u-alice", "rl-1", "n", tamper=lms.bad_signature))
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(http, lms, lms.id_token("u-alice", "rl-1", "n", tamper=expired))
    unsigned = lms.id_token("u-alice", "rl-1", "n", tamper=alg_none)
    assert jwt.get_unverified_header(unsigned)["alg"] == "none" and unsigned.endswith(".")
    confused = lms.id_token("u-alice", "rl-1", "n", tamper=lms.alg_confusion)
    assert jwt.get_unverified_header(confused)["alg"] == "HS256"
    with pytest.raises(jwt.InvalidAudienceError):
        verify(http, lms, lms.id_token("u-alice", "rl-1", "n", aud="someone-else"))


def test_oidc_login_and_launch_over_http(
    tool: FakeTool, lms: LmsEmulator, http: httpx.Client
) -> None:
    page = http.get(lms.launch_url("u-alice", "rl-1"))
    login = form_fields(page.text)
    assert login.action == tool.url + "/lti/login" and login.method == "POST"
    assert login.fields["iss"] == lms.issuer and login.fields["lti_deployment_id"] == "deployment-1"
    to_auth = http.post(login.action, data=login.fields)
    assert to_auth.status_code == 302
    lms.next_token_tamper = lms.bad_signature  # only the next token
    post = form_fields(http.get(to_auth.headers["Location"]).text)
    assert post.action == tool.url + "/lti/launch" and set(post.fields) == {"id_token", "state"}
    with pytest.raises(jwt.InvalidSignatureError):
        verify(http, lms, post.fields["id_token"])
    post = form_fields(http.get(to_auth.headers["Location"]).text)
    claims = verify(http, lms, post.fields["id_token"])
    assert claims["nonce"] == tool.nonces[post.fields["state"]]
    assert lms.id_tokens[-1].state == post.fields["state"]
    assert lms.id_tokens[-1].token == post.fields["id_token"]

    query = dict(parse_qsl(to_auth.headers["Location"].split("?", 1)[1]))
    for change, code in [
        ({"redirect_uri": tool.url + "/elsewhere"}, "invalid_request"),
        ({"prompt": "login"}, "invalid_request"),
        ({"client_id": "nobody"}, "unauthorized_client"),
        ({"login_hint": "forged"}, "access_denied"),
        ({"scope": "profile"}, "invalid_scope"),
    ]:
        refused = http.post(lms.auth_url, data=query | change)
        assert refused.status_code == 400 and code in refused.text
        assert lms.recorded("auth")[-1].outcome == code


@pytest.mark.parametrize("storage", [None, "_parent", "platform_storage"])
def test_browser_launch(
    storage: str | None, tool: FakeTool, lms: LmsEmulator, new_page: NewPage, http: httpx.Client
) -> None:
    page: Page = new_page()
    page.goto(lms.launch_url("u-bob", "rl-1", storage_target=storage))
    if storage is None:
        expect(page.locator("#launched")).to_have_text("launched")
    else:
        stored = page.frame_locator('iframe[name="tool"]').locator("#stored")
        expect(stored).not_to_be_empty()
        assert stored.text_content() == tool.launches[-1]["state"]
        assert tool.launches[-1]["lti_storage_target"] == storage
        assert tool.logins[-1]["lti_storage_target"] == storage
    launch = tool.launches[-1]
    claims = verify(http, lms, launch["id_token"])
    assert claims["sub"] == "u-bob" and claims["nonce"] == tool.nonces[launch["state"]]
    if storage is not None:
        deadline = time.monotonic() + 5
        while len(lms.storage_messages) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        subjects = [m["message"]["subject"] for m in lms.storage_messages]
        assert subjects == ["lti.capabilities", "lti.put_data", "lti.get_data"]
        capabilities, put, get = (m["response"] for m in lms.storage_messages)
        assert {"subject": "lti.put_data", "frame": storage} in capabilities["supported_messages"]
        assert put == {
            "subject": "lti.put_data.response",
            "message_id": "put-1",
            "key": "state-" + launch["state"],
            "value": launch["state"],
        }
        assert get["value"] == launch["state"]
        assert {m["origin"] for m in lms.storage_messages} == {tool.url}


def test_token_endpoint(tool: FakeTool, lms: LmsEmulator, http: httpx.Client) -> None:
    def ask(client_assertion: str, **form: str) -> httpx.Response:
        data = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion,
            "scope": SCOPE_SCORE,
        } | form
        return http.post(lms.token_url, data=data)

    good = assertion(tool, lms)
    answer = ask(good)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == SCOPE_SCORE and body["access_token"]
    assert lms.token_requests[-1].info["claims"]["iss"] == lms.client_id

    for bad, status in [
        (ask(good), 401),  # jti seen
        (ask(assertion(tool, lms, key=tool.stranger)), 401),
        (ask(assertion(tool, lms, aud=lms.url)), 401),
        (ask(assertion(tool, lms, iss="someone")), 401),
        (ask(assertion(tool, lms, exp=int(time.time()) - 60)), 401),
        (ask("not-a-jwt"), 401),
        (ask(assertion(tool, lms), grant_type="password"), 400),
        (ask(assertion(tool, lms), scope="https://example.com/x"), 400),
    ]:
        assert bad.status_code == status, bad.text
    errors = [r.outcome for r in lms.token_requests[1:]]
    assert errors == ["invalid_client"] * 6 + ["unsupported_grant_type", "invalid_scope"]


def test_lineitems_and_scores(tool: FakeTool, lms: LmsEmulator, http: httpx.Client) -> None:
    token = access_token(http, tool, lms, SCOPE_LINEITEM, SCOPE_SCORE, SCOPE_RESULT_READONLY)
    bearer = {"Authorization": f"Bearer {token}"}
    lms.add_resource_link("rl-2", "Homework 5")
    created = http.post(
        lms.lineitems_url,
        json={"label": "Homework 5", "scoreMaximum": 20, "resourceLinkId": "rl-2"},
        headers=bearer | {"Content-Type": LINEITEM_TYPE},
    )
    assert created.status_code == 201
    item = created.json()["id"]
    assert item.startswith(lms.lineitems_url + "/") and lms.lineitem_for("rl-2")["id"] == item  # type: ignore[index]
    found = http.get(
        lms.lineitems_url,
        params={"resource_link_id": "rl-2"},
        headers=bearer | {"Accept": LINEITEMS_TYPE},
    )
    assert [i["id"] for i in found.json()] == [item]
    got = http.get(item, headers=bearer | {"Accept": LINEITEM_TYPE})
    assert got.json()["scoreMaximum"] == 20

    def post(body: dict[str, Any], **headers: str) -> httpx.Response:
        return http.post(
            item + "/scores",
            content=json.dumps(body),
            headers=bearer | {"Content-Type": SCORE_TYPE} | headers,
        )

    assert post(score("u-alice", 30, 2)).status_code == 200
    assert post(score("u-alice", 10, 1)).status_code == 200  # older: ignored
    assert post(score("u-alice", 33, 3)).status_code == 200
    assert post(score("u-bob", 5, 1), **{"Content-Type": "application/json"}).status_code == 415
    assert post(score("u-nobody", 5, 1)).status_code == 400
    assert post(score("u-bob", 5, 1), Authorization="Bearer forged").status_code == 401
    lms.scores_fail(500)
    assert post(score("u-bob", 5, 4)).status_code == 500
    lms.scores_ok()
    assert post(score("u-bob", 5, 4)).status_code == 200
    posts = lms.score_posts
    assert [(p.body["scoreGiven"], p.outcome) for p in posts] == [
        (30, "accepted"),
        (10, "ignored"),
        (33, "accepted"),
        (5, "unsupported_media_type"),
        (5, "invalid_score"),
        (5, "invalid_token"),
        (5, "failed"),
        (5, "accepted"),
    ]
    assert posts[0].headers["content-type"] == SCORE_TYPE and posts[0].info["lineitem"] == item
    assert lms.result(item, "u-alice")["scoreGiven"] == 33  # type: ignore[index]
    results = http.get(item + "/results", headers=bearer | {"Accept": RESULTS_TYPE}).json()
    assert {(r["userId"], r["resultScore"]) for r in results} == {("u-alice", 33), ("u-bob", 5)}

    lms.scores_refuse_connections()
    with pytest.raises(httpx.ConnectError):
        post(score("u-bob", 6, 5))
    lms.scores_ok()
    assert post(score("u-bob", 6, 5)).status_code == 200
    assert lms.result(item, "u-bob")["scoreGiven"] == 6  # type: ignore[index]

    only_scores = access_token(http, tool, lms, SCOPE_SCORE)
    refused = http.get(
        item, headers={"Authorization": f"Bearer {only_scores}", "Accept": LINEITEM_TYPE}
    )
    assert refused.status_code == 403
    lms.revoke_tokens()
    assert post(score("u-bob", 7, 6)).status_code == 401


def test_memberships_pages(tool: FakeTool, lms: LmsEmulator, http: httpx.Client) -> None:
    for i in range(4):
        lms.add_user(f"u-s{i}", f"Student {i}", f"s{i}@example.edu")
    headers = {
        "Authorization": f"Bearer {access_token(http, tool, lms, SCOPE_MEMBERSHIPS)}",
        "Accept": MEMBERSHIPS_TYPE,
    }

    def pages(url: str) -> list[list[str]]:
        seen = []
        while url:
            answer = http.get(url, headers=headers)
            assert answer.status_code == 200
            body = answer.json()
            assert body["context"]["id"] == "course-1"
            seen.append([m["user_id"] for m in body["members"]])
            url = answer.links.get("next", {}).get("url", "")
        return seen

    everyone = pages(lms.memberships_url)
    assert len(everyone) == 1 and len(everyone[0]) == 7
    assert http.get(lms.memberships_url, headers=headers).json()["members"][0] == {
        "user_id": "u-alice",
        "name": "Alice Liddell",
        "email": "alice@example.edu",
        "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        "status": "Active",
    }
    lms.members_page_size = 3
    assert [len(p) for p in pages(lms.memberships_url)] == [3, 3, 1]
    assert [len(p) for p in pages(lms.memberships_url + "?limit=5")] == [5, 2]
    assert [u for page in pages(lms.memberships_url) for u in page] == everyone[0]
    wrong = http.get(lms.memberships_url, headers=headers | {"Accept": "application/json"})
    assert wrong.status_code == 406


def test_deep_link_return(tool: FakeTool, lms: LmsEmulator, http: httpx.Client) -> None:
    request = lms.claims("u-prof", None, "n", message_type=DEEP_LINKING_REQUEST)
    data = request[DL + "deep_linking_settings"]["data"]
    now = int(time.time())
    item = {
        "type": "ltiResourceLink",
        "title": "Homework <2>",
        "url": tool.url + "/lti/launch",
        "custom": {"assignment_id": "cs189_hw2"},
        "lineItem": {"scoreMaximum": 37, "label": "Homework 2", "resourceId": "cs189_hw2"},
    }
    claims = {
        "iss": lms.client_id,
        "aud": lms.issuer,
        "iat": now,
        "exp": now + 300,
        "nonce": "dl-nonce",
        LTI + "message_type": "LtiDeepLinkingResponse",
        LTI + "version": "1.3.0",
        LTI + "deployment_id": "deployment-1",
        DL + "content_items": [item],
        DL + "data": data,
    }
    answer = http.post(lms.deep_link_return_url, data={"JWT": tool.sign(claims)})
    assert answer.status_code == 200 and "Added: Homework &lt;2&gt;" in answer.text
    record = lms.deep_link_returns[-1]
    assert record.info["content_items"] == [item]
    [link_id] = record.info["created_links"]
    assert lms.resource_links[link_id]["custom"] == {"assignment_id": "cs189_hw2"}
    assert lms.lineitem_for(link_id)["scoreMaximum"] == 37  # type: ignore[index]
    launch = lms.id_token("u-alice", link_id, "n")
    assert jwt.decode(launch, options={"verify_signature": False})[AGS_CLAIM]["lineitem"]

    for change in (
        {"aud": "someone"},
        {DL + "data": "forged"},
        {"nonce": None},
        {LTI + "message_type": "LtiResourceLinkRequest"},
    ):
        bad = {k: v for k, v in (claims | change).items() if v is not None}
        assert http.post(lms.deep_link_return_url, data={"JWT": tool.sign(bad)}).status_code == 400
    assert [r.status for r in lms.deep_link_returns] == [200, 400, 400, 400, 400]
