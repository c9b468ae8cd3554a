"""An in-process fake of the Sandbox protocol, for unit tests of the grading core.

It runs each test with the real runner's ``run_test`` against a module object in
this very process and writes the report the runner writes. It isolates nothing:
never give it untrusted code. It exists so the core (spec, plan, compare, scoring,
feedback) can be tested fast, as httpx tests clients with a mock transport.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

from grader import codec
from grader.sandbox import SandboxOutcome, SandboxRequest
from sandbox.runner import run_test


class InProcessSandbox:
    def __init__(self, module: ModuleType) -> None:
        self.module = module

    def run(self, request: SandboxRequest) -> SandboxOutcome:
        fixtures = self._fixtures(request)
        tests: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        for test in request.plan["tests"]:
            entry = run_test(self.module, test, fixtures)
            files.update(entry.pop("blobs", {}))
            tests[test["id"]] = entry
        report = {"version": 1, "complete": True, "import": {"status": "ok"}, "tests": tests}
        files["report.json"] = json.dumps(report).encode()
        return SandboxOutcome(files=files, exit_code=0)

    def _fixtures(self, request: SandboxRequest) -> dict[str, Any]:
        return {
            name.removesuffix(".json"): codec.decode(json.loads(data), request.fixtures, 1 << 31)
            for name, data in request.fixtures.items()
            if name.endswith(".json")
        }
