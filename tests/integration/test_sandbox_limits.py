"""What a submission sees from inside: the limits are really applied."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import REFERENCE_SOURCE, by_name

pytestmark = pytest.mark.docker

PROBE = """
import json, os, socket
_fd = finite_difference
def _facts():
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    facts = {
        "uid": os.getuid(),
        "CapEff": status["CapEff"].strip(),
        "NoNewPrivs": status["NoNewPrivs"].strip(),
        "interfaces": sorted(name for _, name in socket.if_nameindex()),
        "cpus_env": os.environ.get("OMP_NUM_THREADS"),
    }
    for path in ("/etc/probe", "/usr/probe", "/submission/probe", "/grader/probe"):
        try:
            open(path, "w").close()
            facts[path] = "writable"
        except OSError as exc:
            facts[path] = type(exc).__name__
    with open("/tmp/probe", "w") as fh:
        fh.write("ok")
    facts["/tmp"] = "writable"
    import resource
    facts["fsize"] = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return facts
def finite_difference(f, a, eps=1e-5):
    print("FACTS", json.dumps(_facts()))
    return _fd(f, a, eps)
"""


def test_container_is_locked_down(grade_source: Callable[[str], dict[str, Any]]) -> None:
    results = grade_source(REFERENCE_SOURCE + "\n" + PROBE)
    output = by_name(results)["finite_difference on a test function"]["output"]
    line = next(line for line in output.splitlines() if line.startswith("FACTS"))
    facts = json.loads(line.removeprefix("FACTS "))
    assert facts["uid"] == 1000
    assert facts["CapEff"] == "0000000000000000"
    assert facts["NoNewPrivs"] == "1"
    assert facts["interfaces"] == ["lo"]
    assert facts["cpus_env"] == "1"
    for path in ("/etc/probe", "/usr/probe", "/submission/probe", "/grader/probe"):
        assert facts[path] in ("OSError", "PermissionError"), (path, facts[path])
    assert facts["/tmp"] == "writable"
    assert facts["fsize"] == 64 * 1024 * 1024
