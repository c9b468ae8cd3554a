"""Benchmark: grading one submission in the Docker sandbox vs running the same student
code bare, in one run (CS189 HW2 by default).

    .venv/bin/python bench/grade_overhead.py [--repeat 5] [--assignment DIR --submission PATH]
    .venv/bin/python bench/grade_overhead.py --assignment testcases/cmu10601_hw5 \
        --submission reference/cmu10601_hw5

For a program (CMU HW5), the bare run executes the same program runs in one process.

"bare" is a fresh Python process that imports NumPy and the student module and runs
every test's steps in-process, with no isolation, no expected values and no checks:
the least work that running the same code can take. "sandboxed" is `Grader.grade`
with the Docker sandbox: staging, container start, one forked process per test,
report decoding, comparison and feedback. Prints the median and range of each.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from config import Settings  # noqa: E402
from grader.grading import Grader  # noqa: E402
from grader.submission import read_path  # noqa: E402
from sandbox.docker_sandbox import DockerSandbox  # noqa: E402

BARE = """
import json, sys, time
t0 = time.perf_counter()
import numpy
sys.path.insert(0, sys.argv[1])
from grader import codec, steps
import importlib
from pathlib import Path
module = importlib.import_module(sys.argv[2]) if sys.argv[2] != "-" else None
fixtures = {}
payload = json.loads(sys.stdin.read())
fixtures.update(payload.pop("__files__"))  # file fixtures: paths on this machine
for name, files in payload.items():
    blobs = {k: bytes.fromhex(v) for k, v in files["blobs"].items()}
    fixtures[name] = codec.decode(json.loads(files["tree"]), blobs, 1 << 31)
plan = json.loads(open(sys.argv[3]).read())
for test in plan["tests"]:
    steps.run_steps(module, test["steps"], fixtures.__getitem__, Path(sys.argv[1]))
print(time.perf_counter() - t0)
"""


def bare_payload(grader: Grader) -> dict:
    """What the bare script reads on stdin: the encoded fixtures, and under "__files__"
    the paths of file fixtures on this machine."""
    files = grader.fixture_files
    payload = {
        name.removesuffix(".json"): {
            "tree": data.decode(),
            "blobs": {
                k: v.hex()
                for k, v in files.items()
                if k.startswith(name.removesuffix(".json") + "_")
            },
        }
        for name, data in files.items()
        if name.endswith(".json")
    }
    payload["__files__"] = {name: grader.fixtures(name) for name in grader.plan["files"]}
    return payload


def bare_run(grader: Grader, submission_dir: Path, tmp: Path) -> float:
    plan_path = tmp / "plan.json"
    plan_path.write_text(json.dumps(grader.plan))
    payload = bare_payload(grader)
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            BARE,
            str(submission_dir),
            grader.assignment.submission.module or "-",  # "-": a program, not imported
            str(plan_path),
        ],
        input=json.dumps(payload),
        text=True,
        check=True,
        capture_output=True,
        env={
            "PYTHONPATH": f"{submission_dir}:{REPO}",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
        },
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--assignment", type=Path, default=REPO / "testcases" / "cs189_hw2")
    parser.add_argument(
        "--submission", type=Path, default=REPO / "reference" / "cs189_hw2" / "hw2.py"
    )
    args = parser.parse_args()

    settings = Settings.from_env()
    started = time.perf_counter()
    grader = Grader.load(args.assignment, settings.cache_dir)
    load_time = time.perf_counter() - started
    files = read_path(args.submission, grader.assignment.submission)
    sandbox = DockerSandbox(settings.worker.sandbox_image, settings.worker.work_dir)
    tmp = Path(settings.worker.work_dir) / f"bench-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    (tmp / "sub").mkdir()
    for name, data in files.items():
        (tmp / "sub" / name).write_bytes(data)

    bare, sandboxed, scores = [], [], set()
    for i in range(args.repeat):
        bare.append(bare_run(grader, tmp / "sub", tmp))
        t0 = time.perf_counter()
        results = grader.grade(files, sandbox, run_id=f"bench-{i}-{uuid.uuid4().hex[:6]}")
        sandboxed.append(time.perf_counter() - t0)
        scores.add(results["score"])

    def line(label: str, values: list[float]) -> str:
        return (
            f"{label:<34} median {statistics.median(values):6.2f} s   "
            f"min {min(values):6.2f} s   max {max(values):6.2f} s"
        )

    print(
        f"assignment {grader.assignment.id}, {len(grader.assignment.tests)} tests, "
        f"submission {args.submission}, {args.repeat} runs, score(s) {sorted(scores)}"
    )
    print(f"{'load spec + expected values (cached)':<34} {load_time:6.2f} s")
    print(line("bare run (python, same steps)", bare))
    print(line("sandboxed grading (Docker)", sandboxed))
    extra = statistics.median(sandboxed) - statistics.median(bare)
    ratio = statistics.median(sandboxed) / statistics.median(bare)
    print(f"{'overhead (median)':<34} {extra:6.2f} s, x{ratio:.1f}")
    for p in sorted(tmp.rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()
    tmp.rmdir()


if __name__ == "__main__":
    main()
