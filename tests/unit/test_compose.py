"""docker-compose.yml, read as a file: the three services, the worker's access to the
Docker engine and to the sandbox staging folder, Redis's append-only file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The file as compose reads it with none of its variables set: ${VAR:-default}
    becomes default."""
    text = (REPO / "docker-compose.yml").read_text()
    return dict(yaml.safe_load(re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", text)))


def volumes(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(source, target) of each mount, short or long syntax."""
    out = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume.get("source", ""), volume["target"]
        out.append((source, target))
    return out


def test_the_three_services(compose: dict[str, Any]) -> None:
    assert {"redis", "api", "worker"} <= set(compose["services"])


def test_the_worker_reaches_the_docker_engine(compose: dict[str, Any]) -> None:
    worker = compose["services"]["worker"]
    assert ("/var/run/docker.sock", "/var/run/docker.sock") in volumes(worker)


def test_the_work_dir_has_the_same_path_in_the_worker_and_on_the_host(
    compose: dict[str, Any],
) -> None:
    """Sandbox inputs are bind-mounted by path, a path the engine resolves on the host."""
    worker = compose["services"]["worker"]
    work_dir = worker["environment"]["GRADER_WORK_DIR"]
    assert (work_dir, work_dir) in volumes(worker)


def test_api_and_worker_share_the_store(compose: dict[str, Any]) -> None:
    services = compose["services"]
    mounts = [dict((t, s) for s, t in volumes(services[name])) for name in ("api", "worker")]
    for name, mount in zip(("api", "worker"), mounts, strict=True):
        data_dir = services[name]["environment"]["GRADER_DATA_DIR"]
        assert data_dir in mount, f"{name} has no volume at {data_dir}"
    api_data = mounts[0][services["api"]["environment"]["GRADER_DATA_DIR"]]
    worker_data = mounts[1][services["worker"]["environment"]["GRADER_DATA_DIR"]]
    assert api_data == worker_data and api_data in compose["volumes"]


def test_both_use_the_compose_redis(compose: dict[str, Any]) -> None:
    for name in ("api", "worker"):
        env = compose["services"][name]["environment"]
        assert env["GRADER_REDIS_URL"] == "redis://redis:6379/0"
    assert compose["services"]["api"]["environment"]["GRADER_API_HOST"] == "0.0.0.0"


def test_redis_keeps_an_append_only_file(compose: dict[str, Any]) -> None:
    command = compose["services"]["redis"]["command"]
    words = command.split() if isinstance(command, str) else [str(w) for w in command]
    assert words[words.index("--appendonly") + 1] == "yes"
    # ... and the configuration file it loads says so too
    conf = (REPO / "deploy" / "redis.conf").read_text().splitlines()
    assert "appendonly yes" in conf and "appendfsync everysec" in conf
    assert "maxmemory-policy noeviction" in conf
