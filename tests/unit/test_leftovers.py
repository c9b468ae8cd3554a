"""sandbox/leftovers.py without Docker: which failures of a removal mean "removed", and
which warm containers are orphans."""

from __future__ import annotations

import os
import socket
from typing import Any

import docker.errors
import pytest
from requests import Response

from sandbox.leftovers import orphaned, remove_container, this_process


def api_error(status: int) -> docker.errors.APIError:
    response = Response()
    response.status_code = status
    if status == 404:
        return docker.errors.NotFound("no such container", response=response)
    return docker.errors.APIError("refused", response=response)


class Container:
    def __init__(self, error: Exception | None) -> None:
        self.error, self.removed = error, False

    def remove(self, **_: Any) -> None:
        if self.error is not None:
            raise self.error
        self.removed = True


@pytest.mark.parametrize("status", [404, 409])
def test_a_container_gone_or_being_removed_counts_as_removed(status: int) -> None:
    remove_container(Container(api_error(status)))  # no error


def test_other_refusals_are_reported() -> None:
    with pytest.raises(docker.errors.APIError):
        remove_container(Container(api_error(500)))


def test_a_removal_removes() -> None:
    container = Container(None)
    remove_container(container)
    assert container.removed


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        (this_process(), False),  # this very process: alive
        (f"{socket.gethostname()}:{2**22 + 12345}", True),  # beyond pid_max: no such process
        (f"another-host:{os.getpid()}", False),  # not ours to judge
        ("", False),
        ("garbage", False),
    ],
)
def test_orphans_are_warm_containers_of_dead_processes_of_this_host(
    owner: str, expected: bool
) -> None:
    assert orphaned(owner) is expected
