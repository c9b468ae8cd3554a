"""The cost of hostile code: two hostile CS189 submissions, the reference with its
``relu_activation`` replaced by one that sleeps forever or by a fork bomb, each graded
with ``Grader.grade`` in a DockerSandbox (no pool); the worker time of each, and their sum."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping

from grader.grading import Grader
from grader.sandbox import Sandbox

ASSIGNMENT = "cs189_hw2"
MODULE_FILE = "hw2.py"
HOSTILE = {
    "sleeps forever": "import time\ndef relu_activation(s):\n    while True:\n"
    "        time.sleep(1)\n",
    "fork bomb": "import os\ndef relu_activation(s):\n    while True:\n        try:\n"
    "            os.fork()\n        except OSError:\n            pass\n",
}


def hostile_files(files: Mapping[str, bytes], snippet: str) -> dict[str, bytes]:
    """The submission with ``snippet`` appended: its definition replaces the reference's."""
    source = files[MODULE_FILE].decode()
    return {**files, MODULE_FILE: (source + "\n\n" + snippet).encode()}


def hostile_runs(
    grader: Grader, sandbox: Sandbox, files: Mapping[str, bytes], repeat: int
) -> dict[str, list[float]]:
    """Seconds of ``Grader.grade`` per hostile submission, ``repeat`` times each."""
    times: dict[str, list[float]] = {name: [] for name in HOSTILE}
    for i in range(repeat):
        for j, (name, snippet) in enumerate(HOSTILE.items()):
            run_id = f"bench-h{i}{j}-{uuid.uuid4().hex[:6]}"
            t0 = time.perf_counter()
            grader.grade(hostile_files(files, snippet), sandbox, run_id=run_id)
            times[name].append(time.perf_counter() - t0)
    return times
