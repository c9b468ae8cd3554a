"""An in-process fake of the Sandbox protocol, for unit tests of the grading core.

It runs the plan's steps against a module object in this very process and writes
the same report the real runner writes. It isolates nothing: never give it
untrusted code. It exists so the core (spec, plan, compare, scoring, feedback) can
be tested fast, as httpx tests clients with a mock transport.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

from grader import codec, steps
from grader.sandbox import SandboxOutcome, SandboxRequest


class InProcessSandbox:
    def __init__(self, module: ModuleType) -> None:
        self.module = module

    def run(self, request: SandboxRequest) -> SandboxOutcome:
        fixtures = self._fixtures(request)
        tests: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        for test in request.plan["tests"]:
            entry, blobs = self._run_test(test, fixtures)
            tests[test["id"]] = entry
            files.update(blobs)
        report = {"version": 1, "complete": True, "import": {"status": "ok"}, "tests": tests}
        files["report.json"] = json.dumps(report).encode()
        return SandboxOutcome(files=files, exit_code=0)

    def _fixtures(self, request: SandboxRequest) -> dict[str, Any]:
        return {
            name.removesuffix(".json"): codec.decode(json.loads(data), request.fixtures, 1 << 31)
            for name, data in request.fixtures.items()
            if name.endswith(".json")
        }

    def _run_test(self, test: dict[str, Any], fixtures: dict[str, Any]) -> tuple[dict, dict]:
        try:
            run = steps.run_steps(self.module, test["steps"], fixtures.__getitem__)
        except steps.StepError as exc:
            entry = {
                "status": "error",
                "step": exc.call,
                "error_type": type(exc.cause).__name__,
                "message": str(exc.cause),
            }
            return entry, {}
        values, blobs = {}, {}
        for n, (key, ref) in enumerate(test["outputs"].items()):
            value = steps.lookup(run.env, ref["ref"], ref["path"], fixtures.__getitem__)
            values[key], more = codec.encode(value, prefix=f"{test['id']}_{n}_")
            blobs.update(more)
        return {"status": "ok", "warnings": run.warnings, "values": values}, blobs
