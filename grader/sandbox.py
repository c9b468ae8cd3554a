"""The sandbox boundary: one protocol, one method, request in, outcome out.

Like an httpx transport: the grading core builds a ``SandboxRequest`` and reads a
``SandboxOutcome``; it never knows whether Docker (sandbox.docker_sandbox) or an
in-process fake (sandbox.inprocess, for unit tests) ran the code. The contract
(paths, files, limits) is written down in docs/sandbox-contract.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from grader.spec import Limits


@dataclass(frozen=True)
class SandboxRequest:
    """Everything the sandbox may see. Nothing hidden is ever put in here."""

    run_id: str
    plan: Mapping[str, Any]  # becomes /grader/plan.json
    submission: Mapping[str, bytes]  # relative path -> bytes, mounted read-only at /submission
    fixtures: Mapping[str, bytes]  # codec files of public fixtures, at /grader/fixtures
    limits: Limits
    group: str = ""  # runs of one job share a group: a new run first removes its leftovers


@dataclass(frozen=True)
class SandboxOutcome:
    """Raw results. ``files`` hold what the runner wrote; nothing here is a verdict."""

    files: Mapping[str, bytes]
    exit_code: int | None
    timed_out: bool = False
    oom_killed: bool = False
    duration: float = 0.0
    log: str = ""  # the runner's own stderr, for operators
    extra: Mapping[str, Any] = field(default_factory=dict)


class Sandbox(Protocol):
    def run(self, request: SandboxRequest) -> SandboxOutcome:
        """Run the plan on the submission; raise InfrastructureError if the sandbox
        itself could not be used. Student failures are reported in the outcome."""
        ...
