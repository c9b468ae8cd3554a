"""An in-process fake of the Sandbox protocol, for unit tests of the grading core.

It runs each test with the real runner's ``run_test`` in this very process and
writes the report the runner writes: call steps against the module object it was
given, run steps against the request's own submission files (written to a
temporary folder, as are ``file`` fixtures). It isolates nothing: never give it
untrusted code. It exists so the core (spec, plan, compare, scoring, feedback) can
be tested fast, as httpx tests clients with a mock transport.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from grader import codec
from grader.sandbox import SandboxOutcome, SandboxRequest
from sandbox.runner import run_test


class InProcessSandbox:
    def __init__(self, module: ModuleType | None = None) -> None:
        self.module = module

    def run(self, request: SandboxRequest) -> SandboxOutcome:
        with tempfile.TemporaryDirectory(prefix="inprocess-") as tmp:
            root = Path(tmp)
            _write(root / "submission", request.submission)
            _write(root / "fixtures", request.fixtures)
            fixtures = self._fixtures(request, root / "fixtures")
            tests: dict[str, Any] = {}
            files: dict[str, bytes] = {}
            for test in request.plan["tests"]:
                entry = run_test(self.module, test, fixtures, root / "submission")
                files.update(entry.pop("blobs", {}))
                tests[test["id"]] = entry
        report = {"version": 1, "complete": True, "import": {"status": "ok"}, "tests": tests}
        files["report.json"] = json.dumps(report).encode()
        return SandboxOutcome(files=files, exit_code=0)

    def _fixtures(self, request: SandboxRequest, folder: Path) -> dict[str, Any]:
        values: dict[str, Any] = {
            name.removesuffix(".json"): codec.decode(json.loads(data), request.fixtures, 1 << 31)
            for name, data in request.fixtures.items()
            if name.endswith(".json")
        }
        files = request.plan.get("files", {})
        values.update({name: str(folder / "files" / file) for name, file in files.items()})
        return values


def _write(folder: Path, files: Any) -> None:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
