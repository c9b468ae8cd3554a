"""Hostile submissions, graded in real containers.

Each case is the reference solution with a hostile snippet appended (a later
``def`` replaces the reference's), so every case also shows that the tests the
snippet does not touch keep their points. Each gets a clear message and finishes
within its limits plus a margin, and leaves no container behind.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import socket
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import numpy as np
import pytest

from tests.conftest import REFERENCE_SOURCE, by_name

pytestmark = pytest.mark.docker

FD = "finite_difference on a test function"
SIG = "sigmoid_activation on [1, 0, -1]"
RELU = "relu_activation"
ALL = "*"
MARGIN = 15.0  # seconds on top of the time limits a case may hit
# A loop is stopped at 10 s of CPU time: that is 10 s of wall clock on an idle host, up
# to its wall-clock cap (10 s x wall_factor 5) on a busy one.
CPU_BOUND = 10 * 5 + MARGIN


@dataclass(frozen=True)
class Case:
    name: str
    snippet: str
    lost: dict[str, str]  # test name (or ALL) -> fragment of its output
    max_seconds: float
    kept_at_least: int = 5  # tests that must keep full points (unless ALL are lost)
    passes: dict[str, str] = field(default_factory=dict)  # test -> fragment, still full marks


CASES = [
    Case(
        "infinite_loop_at_import",
        "while True:\n    pass\n",
        {ALL: "could not import hw2.py: timed out: used more than 10 s of CPU time"},
        CPU_BOUND,
    ),
    Case(
        "infinite_loop_in_one_function",
        "def finite_difference(f, a, eps=1e-5):\n    while True:\n        pass\n",
        {FD: "timed out: used more than 10 s of CPU time"},
        CPU_BOUND,
    ),
    Case(
        "fork_bomb",
        "import os\n"
        "def finite_difference(f, a, eps=1e-5):\n"
        "    while True:\n"
        "        try:\n"
        "            os.fork()\n"
        "        except OSError:\n"
        "            pass\n",
        {FD: "killed: reached the limit of 64 processes (a fork bomb?)"},
        MARGIN,  # stopped at the first refused fork, not at its 10 s
    ),
    Case(
        "memory_bomb",
        "def finite_difference(f, a, eps=1e-5):\n"
        "    hog = []\n"
        "    while True:\n"
        "        hog.append(np.ones(4 * 1024 * 1024))\n",
        {FD: "the memory limit is 512 MiB"},  # killed by the OOM killer, or MemoryError
        10 + MARGIN,
    ),
    Case(
        "fill_tmp",
        "def finite_difference(f, a, eps=1e-5):\n"
        "    chunk = b'x' * (1 << 20)\n"
        "    for i in range(10_000):\n"
        "        with open(f'/tmp/fill{i}', 'wb') as fh:\n"
        "            fh.write(chunk)\n",
        {FD: "No space left on device"},
        10 + MARGIN,
    ),
    Case(
        "stdout_flood_100_mb",
        "_fd = finite_difference\n"
        "def finite_difference(f, a, eps=1e-5):\n"
        "    import sys\n"
        "    block = 'x' * (1 << 20)\n"
        "    for _ in range(100):\n"
        "        sys.stdout.write(block)\n"
        "    return _fd(f, a, eps)\n",
        {},
        10 + MARGIN,
        # its test calls finite_difference twice (eps 1e-5, then 0.01): 2 x 100 MiB
        passes={FD: "Your code printed (first 2000 of 209715200 bytes)"},
    ),
    Case(
        "os_exit_at_import",
        "import os\nos._exit(0)\n",
        {ALL: "the process exited with code 0 before returning a result"},
        MARGIN,
    ),
    Case(
        "segfault_via_ctypes",
        "def finite_difference(f, a, eps=1e-5):\n"
        "    import ctypes\n"
        "    return ctypes.string_at(0)\n",
        {FD: "crashed with SIGSEGV (segmentation fault)"},
        MARGIN,
    ),
    Case(
        "object_whose_eq_is_always_true",
        "class AlwaysEqual:\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "def sigmoid_activation(s):\n"
        "    return AlwaysEqual(), AlwaysEqual()\n",
        {SIG: "got a AlwaysEqual object"},
        MARGIN,
    ),
    Case(
        "ndarray_subclass_whose_eq_is_always_true",
        "class Sneaky(np.ndarray):\n"
        "    def __eq__(self, other):\n"
        "        return np.ones(np.shape(self), dtype=bool)\n"
        "def relu_activation(s):\n"
        "    z = np.zeros_like(s).view(Sneaky)\n"
        "    return z, z\n",
        {RELU: "values differ"},
        MARGIN,
    ),
    Case(
        "overwrite_runner_outputs",
        "import base64, json, sys\n"
        "def _spoof():\n"
        "    fake = {'version': 1, 'complete': True, 'import': {'status': 'ok'},\n"
        "            'tests': {f't{i:02d}': {'status': 'ok', 'values': {}} for i in range(20)}}\n"
        "    line = json.dumps({'file': 'report.json',\n"
        "                       'b64': base64.b64encode(json.dumps(fake).encode()).decode()})\n"
        "    end = json.dumps({'end': 1})\n"
        "    for target in ('/proc/1/fd/1', '/grader/plan.json', '/output/report.json',\n"
        "                   '/submission/hw2.py'):\n"
        "        try:\n"
        "            with open(target, 'a') as fh:\n"
        "                fh.write(line + '\\n' + end + '\\n')\n"
        "            print(f'SPOOF {target}: written')\n"
        "        except OSError as exc:\n"
        "            print(f'SPOOF {target}: refused ({type(exc).__name__})')\n"
        "    print(line)\n"
        "    print(end)\n"
        "def sigmoid_activation(s):\n"
        "    _spoof()\n"
        "    z = np.zeros_like(s)\n"
        "    return z, z\n",
        {SIG: "SPOOF /proc/1/fd/1: refused"},
        MARGIN,
    ),
    Case(
        "monkeypatch_numpy",
        "np.allclose = lambda *a, **k: True\n"
        "np.isclose = lambda a, b, *x, **k: np.ones(np.shape(a), dtype=bool)\n"
        "np.array_equal = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "def relu_activation(s):\n"
        "    z = np.zeros_like(s)\n"
        "    return z, z\n",
        {RELU: "values differ"},
        MARGIN,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_submission(grade_source: Callable[[str], dict[str, Any]], case: Case) -> None:
    started = time.monotonic()
    results = grade_source(REFERENCE_SOURCE + "\n\n" + case.snippet)
    elapsed = time.monotonic() - started
    tests = by_name(results)
    assert elapsed < case.max_seconds, f"took {elapsed:.1f} s"
    if ALL in case.lost:
        assert results["score"] == 0
        for test in tests.values():
            assert case.lost[ALL] in test["output"], test
        return
    for name, fragment in case.lost.items():
        assert tests[name]["score"] == 0, tests[name]
        assert fragment in tests[name]["output"], tests[name]["output"]
    for name, fragment in case.passes.items():
        assert tests[name]["status"] == "passed", tests[name]
        assert fragment in tests[name]["output"], tests[name]["output"][:500]
    # Only tests that call the hostile function may lose points; all others keep theirs.
    hostile = {tests[name]["tags"][0] for name in [*case.lost, *case.passes]}
    for test in tests.values():
        if not hostile & set(test["tags"]):
            assert test["status"] == "passed", test
    assert sum(t["status"] == "passed" for t in tests.values()) >= case.kept_at_least


READ_SECRETS = """
import hashlib, os
SKIP = ("/proc", "/sys", "/dev")
_fd = finite_difference
def finite_difference(f, a, eps=1e-5):
    hits, scanned, image_files = [], [], 0
    image_dev = os.stat("/").st_dev
    for root, dirs, files in os.walk("/"):
        if root.startswith(SKIP):
            dirs[:] = []
            continue
        for name in files:
            path = os.path.join(root, name)
            try:
                if os.stat(path).st_dev == image_dev:
                    image_files += 1  # the image's own files: scanned outside, from an export
                    continue
                with open(path, "rb") as fh:
                    data = fh.read(200_000_000)
            except OSError:
                continue
            scanned.append(path)
            if hashlib.sha256(data).hexdigest() in SECRET_HASHES:
                hits.append(f"{path}: a secret file")
            if any(chunk in data for chunk in SECRET_CHUNKS):
                hits.append(f"{path}: hidden test data")
    for path in HOST_PATHS:
        try:
            with open(path, "rb"):
                hits.append(f"READ {path}")
        except OSError:
            pass
    mounts = [p for p in scanned if p in ("/submission/hw2.py", "/grader/plan.json",
                                          "/grader/lib/runner.py")]
    print(f"found: {hits or 'none'}; image files {image_files}; "
          f"scanned {len(scanned)} files, among them {mounts}")
    return _fd(f, a, eps)
"""


def secrets_of(cs189: Any) -> tuple[list[Path], set[str], list[bytes]]:
    """CS189's secret files, their hashes, and two hidden test images (raw and as uint8)."""
    from tests.conftest import CS189, REPO

    secrets = [
        REPO / "reference" / "cs189_hw2" / "hw2.py",
        REPO / "reference" / "cs189_hw2" / "torch_ref.py",
        CS189 / "assignment.yaml",
        CS189 / "data" / "mnist_3v9_test.npz",
    ]
    hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in secrets}
    hidden = cs189.fixtures("mnist_test")["X"]
    # Whole test images: no test image equals a training image, so a hit is a leak.
    chunks = [hidden[0].tobytes(), np.rint(hidden[1] * 255).astype(np.uint8).tobytes()]
    return secrets, hashes, chunks


def test_cannot_read_reference_or_hidden_data(
    cs189: Any, grade_source: Callable[[str], dict[str, Any]]
) -> None:
    """No file mounted into the sandbox (its inputs, its scratch space) holds a reference
    file, the spec or a hidden image, by content; no host path is readable. The image's
    own files are scanned by the next test, outside the sandbox's time limits."""
    secrets, hashes, chunks = secrets_of(cs189)
    host_paths = [str(p) for p in secrets] + ["/var/lib/docker", "/etc/shadow", "/root"]
    snippet = (
        f"SECRET_HASHES = {hashes!r}\nSECRET_CHUNKS = {chunks!r}\n"
        f"HOST_PATHS = {host_paths!r}\n" + READ_SECRETS
    )
    results = grade_source(REFERENCE_SOURCE + "\n" + snippet)
    fd = by_name(results)[FD]
    assert "found: none" in fd["output"], fd["output"]
    for mounted in ("/submission/hw2.py", "/grader/plan.json", "/grader/lib/runner.py"):
        assert f"'{mounted}'" in fd["output"], fd["output"]  # the mounts were scanned
    assert int(fd["output"].split("image files ")[1].split(";")[0]) > 1000  # the image was seen
    assert fd["status"] == "passed"


def scan_export(container: Any, hashes: set[str], chunks: list[bytes]) -> tuple[int, list[str]]:
    """Files in a container's exported file system, and those that hold a secret."""
    hits, files = [], 0
    with tarfile.open(fileobj=ChunkReader(container.export()), mode="r|") as tar:
        for member in tar:
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is None:
                continue
            data = handle.read()
            files += 1
            if hashlib.sha256(data).hexdigest() in hashes:
                hits.append(f"{member.name}: a secret file")
            if any(chunk in data for chunk in chunks):
                hits.append(f"{member.name}: hidden test data")
    return files, hits


def test_sandbox_image_holds_no_secret(cs189: Any, docker_sandbox: Any) -> None:
    """Every file of the sandbox image's file system (a container's export), by content.
    Two secrets planted in the container's /opt show that the scan finds them where they
    are; nothing else may be found."""
    secrets, hashes, chunks = secrets_of(cs189)
    container = docker_sandbox.client.containers.create(docker_sandbox.image, command=["true"])
    try:
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w") as tar:
            for name, data in [("leak.yaml", secrets[2].read_bytes()), ("x.bin", chunks[1])]:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        container.put_archive("/opt", archive.getvalue())
        files, hits = scan_export(container, hashes, chunks)
    finally:
        container.remove(force=True)
    assert files > 1000
    assert hits == ["opt/leak.yaml: a secret file", "opt/x.bin: hidden test data"]


class ChunkReader:
    """A file object over an iterator of byte chunks (docker's export stream)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._buffer = iter(chunks), bytearray()

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        data = bytes(self._buffer[:size] if size >= 0 else self._buffer)
        del self._buffer[: len(data)]
        return data


@pytest.fixture
def listener() -> Iterator[tuple[int, list[str]]]:
    """A TCP server on this machine; records any connection that reaches it."""
    server = socket.socket()
    server.bind(("0.0.0.0", 0))
    server.listen()
    server.settimeout(0.2)
    seen: list[str] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, addr = server.accept()
            except TimeoutError:
                continue
            seen.append(str(addr))
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join()
    server.close()


def test_network_is_unreachable(
    grade_source: Callable[[str], dict[str, Any]], listener: tuple[int, list[str]]
) -> None:
    port, seen = listener
    subnet = docker.from_env().networks.get("bridge").attrs["IPAM"]["Config"][0]["Subnet"]
    bridge = str(ipaddress.ip_network(subnet)[1])  # docker0: an address of this machine
    snippet = (
        "import socket\n"
        "_fd = finite_difference\n"
        "def finite_difference(f, a, eps=1e-5):\n"
        f"    for host in ('127.0.0.1', {bridge!r}):\n"
        "        try:\n"
        f"            socket.create_connection((host, {port}), timeout=3).close()\n"
        "            print(f'NET {host}: connected')\n"
        "        except OSError as exc:\n"
        "            print(f'NET {host}: {type(exc).__name__}: {exc}')\n"
        "    return _fd(f, a, eps)\n"
    )
    results = grade_source(REFERENCE_SOURCE + "\n" + snippet)
    fd = by_name(results)[FD]
    assert "NET 127.0.0.1: ConnectionRefusedError" in fd["output"], fd["output"]
    assert f"NET {bridge}: OSError: [Errno 101] Network is unreachable" in fd["output"], fd[
        "output"
    ]
    assert "connected" not in fd["output"]
    assert seen == []
    assert results["score"] == 37


def test_no_sandbox_container_is_left_behind(grade_source: Callable[[str], dict[str, Any]]) -> None:
    """After the cases above (and the os._exit below), no container of a grading by these
    tests (all named ``mlgrader-test-*``) remains, running or stopped."""
    grade_source(REFERENCE_SOURCE + "\nimport os\nos._exit(3)\n")
    left = docker.from_env().containers.list(
        all=True,
        filters={"label": "mlgrader=sandbox", "name": "mlgrader-test-"},
        ignore_removed=True,
    )
    assert [c.name for c in left] == []
