"""The API app on a real SQLiteStore in a temporary folder, with a recording fake queue and
a ManualClock (the store's and the app's time: tests move it to pass due dates).

Used by test_upload.py, test_routes.py, test_auth.py and (through cli_harness.py) the cli
tests: request handling only; the service with real Redis, Celery and Docker is tested in
tests/integration/test_service.py. The assignment cs189_hw2 is a folder of links to the
real one's files but for a copy of its assignment.yaml, so a test can give it a policy
(``set_policy``) without touching testcases/.
"""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.health import Probes
from config import Settings
from store import ManualClock, SQLiteStore

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "cs189_hw2"
TOKENS = {
    "tok-alice": {"role": "student", "name": "alice"},
    "tok-bob": {"role": "student", "name": "bob"},
    "tok-prof": {"role": "instructor", "name": "prof"},
}
MAX_UPLOAD = 2 * 1024 * 1024  # above the assignment's own max_bytes (1 MiB)
MAX_FILES = 5
SOURCE = b"import numpy as np\n\ndef sigmoid_activation(s):\n    return 1 / (1 + np.exp(-s))\n"

RESULTS: dict[str, Any] = {
    "score": 7.0,
    "execution_time": 1.5,
    "output": "Score 7 / 10: 3 of 4 tests passed.",
    "visibility": "visible",
    "tests": [
        {"name": "seen", "score": 2.0, "max_score": 2.0, "status": "passed",
         "output": "", "visibility": "visible", "tags": []},
        {"name": "secret", "score": 3.0, "max_score": 3.0, "status": "passed",
         "output": "hidden details", "visibility": "hidden", "tags": []},
        {"name": "after due", "score": 2.0, "max_score": 2.0, "status": "passed",
         "output": "", "visibility": "after_due_date", "tags": []},
        {"name": "after published", "score": 0.0, "max_score": 3.0, "status": "failed",
         "output": "wrong", "visibility": "after_published", "tags": []},
    ],
    "extra_data": {"sandbox_log": "runner: secret path /srv/hidden"},
}  # fmt: skip


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: httpx2.Response, status: int, code: str, text: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert text in body["error"]["message"]


def zip_of(*entries: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buffer.getvalue()


@dataclass
class Harness:
    root: Path
    settings: Settings
    store: SQLiteStore
    app: FastAPI
    client: TestClient
    sent: list[str] = field(default_factory=list)
    health: dict[str, bool] = field(default_factory=dict)
    clock: ManualClock = field(default_factory=ManualClock)

    def set_policy(self, policy: dict[str, Any] | None) -> None:
        """Give the assignment this ``policy:`` block (None: none), as its YAML would."""
        path = self.settings.assignments_dir / ASSIGNMENT / "assignment.yaml"
        text = (REPO / "testcases" / ASSIGNMENT / "assignment.yaml").read_text()
        if policy is not None:
            text = text.rstrip("\n") + "\n" + yaml.safe_dump({"policy": policy})
        before = path.stat().st_mtime
        path.write_text(text)
        os.utime(path, (before + 1, before + 1))  # a new mtime, however fast: not cached

    def upload(
        self, token: str, files: list[tuple[str, bytes]], assignment: str = ASSIGNMENT
    ) -> httpx2.Response:
        parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
        return self.client.post(
            f"/api/assignments/{assignment}/submissions", files=parts, headers=headers(token)
        )

    def submit(self, token: str, source: bytes = SOURCE) -> str:
        response = self.upload(token, [("hw2.py", source)])
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    def get(self, token: str, path: str, **kwargs: Any) -> httpx2.Response:
        return self.client.get(path, headers=headers(token), **kwargs)

    def latest_job(self, submission_id: str) -> str:
        return self.store.jobs_of(submission_id)[-1].id

    def grade(self, job_id: str, results: dict[str, Any] = RESULTS) -> None:
        claim = self.store.claim(job_id, 30, 3)
        assert claim is not None
        assert self.store.finish(claim, results)

    def fail(self, job_id: str, message: str) -> None:
        claim = self.store.claim(job_id, 30, 3)
        assert claim is not None
        assert self.store.fail(claim, message)

    def use_queue(self, enqueue: Callable[[str], None]) -> None:
        """Replace the recording queue (say, by a fake worker that grades at once)."""
        self.app.state.services = dataclasses.replace(self.app.state.services, enqueue=enqueue)

    def assert_nothing_stored(self) -> None:
        assert self.store.submissions(ASSIGNMENT) == []
        assert list(self.store.files_dir.iterdir()) == []
        assert self.sent == []


def make_harness(root: Path, **api: Any) -> Harness:
    """``api``: API settings to change (say ``tokens_file=None``)."""
    assignments = root / "assignments"
    assignments.mkdir()
    linked(REPO / "testcases" / ASSIGNMENT, assignments / ASSIGNMENT)
    (assignments / "broken").mkdir()
    (assignments / "broken" / "assignment.yaml").write_text("version: 1\nid: [unclosed\n")
    tokens = root / "tokens.yaml"
    tokens.write_text(yaml.safe_dump(TOKENS))
    base = Settings.from_env()
    api_defaults = {
        "tokens_file": tokens,
        "max_upload_bytes": MAX_UPLOAD,
        "max_upload_files": MAX_FILES,
    }
    config = dataclasses.replace(
        base,
        assignments_dir=assignments,
        data_dir=root / "data",
        api=dataclasses.replace(base.api, **{**api_defaults, **api}),
    )
    clock = ManualClock()
    store = SQLiteStore(config.data_dir, clock)
    health = {"redis": True, "store": True, "docker": True}
    probes = Probes(
        redis=lambda: health["redis"],
        store=lambda: health["store"],
        docker=lambda: health["docker"],
        pool=lambda: POOL_FIGURES,
    )
    sent: list[str] = []
    app = create_app(config, store, sent.append, probes)
    return Harness(root, config, store, app, TestClient(app), sent, health, clock)


# What the workers' pools publish, summed (worker/pool_report.py), as the health shows it.
POOL_FIGURES = {
    "ready": 2,
    "starting": 0,
    "in_use": 1,
    "hits": 7,
    "misses": 2,
    "recycled": 0,
    "workers": 2,
}


def linked(source: Path, folder: Path) -> None:
    """A folder of links to the source folder's entries, with a copy of its assignment.yaml."""
    folder.mkdir()
    for entry in source.iterdir():
        if entry.name == "assignment.yaml":
            shutil.copyfile(entry, folder / entry.name)
        else:
            (folder / entry.name).symlink_to(entry)
