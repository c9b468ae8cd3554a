"""The container options of sandbox/docker_sandbox.py, read without Docker: every limit of
docs/sandbox-contract.md is asked for (tests/integration checks the engine enforces them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.sandbox import SandboxRequest
from grader.spec import Limits
from sandbox.docker_sandbox import RUN_ID, SANDBOX_UID, check_names, container_options

LIMITS = Limits(memory_mb=256, cpus=1.5, pids=32, tmp_mb=16, file_size_mb=8, output_mb=4)


@pytest.fixture(scope="module")
def options() -> dict[str, object]:
    return container_options(Path("/staging/run-1"), LIMITS)


def test_the_container_is_locked_down(options: dict[str, object]) -> None:
    assert options["network_mode"] == "none"
    assert options["read_only"] is True
    assert options["cap_drop"] == ["ALL"]
    assert options["security_opt"] == ["no-new-privileges"]
    assert options["user"] == f"{SANDBOX_UID}:{SANDBOX_UID}" and SANDBOX_UID != 0


def test_the_limits_come_from_the_spec(options: dict[str, object]) -> None:
    assert options["pids_limit"] == 32
    assert options["mem_limit"] == options["memswap_limit"] == "256m"  # no swap
    assert options["nano_cpus"] == 1_500_000_000
    ulimits = {u["Name"]: (u["Soft"], u["Hard"]) for u in options["ulimits"]}  # type: ignore[attr-defined]
    assert ulimits == {"fsize": (8 << 20, 8 << 20), "core": (0, 0), "nofile": (256, 256)}
    assert options["environment"]["OMP_NUM_THREADS"] == "2"  # type: ignore[index]
    assert all("size=16m" in v for v in options["tmpfs"].values())  # type: ignore[attr-defined]


def test_inputs_are_mounted_read_only(options: dict[str, object]) -> None:
    volumes = options["volumes"]
    assert volumes == {
        "/staging/run-1/grader": {"bind": "/grader", "mode": "ro"},
        "/staging/run-1/submission": {"bind": "/submission", "mode": "ro"},
    }


def test_the_container_is_labelled_as_a_sandbox(options: dict[str, object]) -> None:
    """The label finds every sandbox container; its name (mlgrader-{group}-{attempt},
    given when it gets its run) finds a job's."""
    assert options["labels"] == {"mlgrader": "sandbox"}


def test_the_runner_waits_for_its_request(options: dict[str, object]) -> None:
    assert options["command"] == ["python3", "/grader/lib/runner.py"]


@pytest.mark.parametrize(
    ("run_id", "ok"),
    [("job-1-a2", True), ("cli-abc123", True), ("../x", False), ("a/b", False), ("", False)],
)
def test_run_ids_are_safe_container_names(run_id: str, ok: bool) -> None:
    assert bool(RUN_ID.match(run_id)) is ok


@pytest.mark.parametrize(
    ("run_id", "group", "ok"),
    [
        ("job-1-a2", "job-1", True),
        ("cli-abc123", "", True),
        ("job-1-a2", "", True),
        ("job-1-a-2", "job-1", False),  # the attempt suffix has no '-': the group is findable
        ("other-a2", "job-1", False),
        ("pool-1234", "", False),  # the warm containers' names
    ],
)
def test_run_ids_name_their_group(run_id: str, group: str, ok: bool) -> None:
    request = SandboxRequest(run_id, {}, {}, {}, LIMITS, group)
    if ok:
        check_names(request)
    else:
        with pytest.raises(ValueError, match=r"container name|is not named"):
            check_names(request)
