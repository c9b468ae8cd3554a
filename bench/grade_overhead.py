"""Benchmark: grading one submission in the Docker sandbox vs running the same student
code bare, in one run (CS189 HW2 by default).

    .venv/bin/python bench/grade_overhead.py [--repeat 5] [--assignment DIR --submission PATH]
    .venv/bin/python bench/grade_overhead.py --assignment testcases/cmu10601_hw5 \
        --submission reference/cmu10601_hw5

For a program (CMU HW5), the bare run executes the same program runs in one process.

"bare" is a fresh Python process that imports NumPy and the student module, decodes the
public fixtures from the same files the sandbox gets (with the container's own
``load_fixtures``) and runs every test's steps in-process, with no isolation, no
expected values and no checks: the least work that running the same code can take. It
computes with the sandbox's thread count (ceil(cpus) for OpenMP, OpenBLAS and MKL, so
for torch too). "sandboxed" is `Grader.grade` with the Docker sandbox: staging,
container start, one forked process per test, report decoding, comparison and feedback.
Prints the median and range of each.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from config import Settings  # noqa: E402
from grader import wire  # noqa: E402
from grader.grading import Grader  # noqa: E402
from grader.submission import read_path  # noqa: E402
from sandbox.docker_sandbox import DockerSandbox  # noqa: E402

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# argv: submission folder, module ("-": a program, not imported), staged inputs folder
BARE = """
import json, sys, time
t0 = time.perf_counter()
import numpy
sys.path.insert(0, sys.argv[1])
from grader import steps
from sandbox.container.fixtures import load_fixtures
import importlib
from pathlib import Path
module = importlib.import_module(sys.argv[2]) if sys.argv[2] != "-" else None
inputs = Path(sys.argv[3])
plan = json.loads((inputs / "plan.json").read_text())
fixtures = load_fixtures(inputs / "fixtures", plan.get("files", {}))
for test in plan["tests"]:
    steps.run_steps(module, test["steps"], fixtures.__getitem__, Path(sys.argv[1]))
print(time.perf_counter() - t0)
"""


def threads(grader: Grader) -> str:
    """The sandbox's thread count (sandbox.docker_sandbox.container_options: ceil(cpus)),
    so that the bare run computes with as many threads as the sandboxed one."""
    return str(max(1, math.ceil(grader.assignment.limits.cpus)))


def stage_inputs(grader: Grader, folder: Path) -> Path:
    """What the bare script reads, in the sandbox's layout: ``plan.json`` and the
    ``fixtures`` folder (codec files, ``files/`` for file fixtures). World-readable."""
    files = {wire.PLAN_FILE: json.dumps(grader.plan).encode()}
    files.update({f"{wire.FIXTURES_DIR}/{k}": v for k, v in grader.fixture_files.items()})
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    readable(folder)
    return folder


def stage_submission(files: dict[str, bytes], folder: Path) -> Path:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    readable(folder)
    return folder


def readable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def bare_argv(grader: Grader, submission_dir: Path, inputs: Path) -> list[str]:
    module = grader.assignment.submission.module or "-"
    return [sys.executable, "-c", BARE, str(submission_dir), module, str(inputs)]


def bare_env(grader: Grader, submission_dir: Path) -> dict[str, str]:
    return {"PYTHONPATH": f"{submission_dir}:{REPO}"} | dict.fromkeys(THREAD_VARS, threads(grader))


def bare_run(grader: Grader, submission_dir: Path, inputs: Path, at_once: int = 1) -> float:
    """Seconds from the start of ``at_once`` bare processes side by side to the exit of
    the last."""
    argv, env = bare_argv(grader, submission_dir, inputs), bare_env(grader, submission_dir)
    started = time.perf_counter()
    procs = [
        subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        for _ in range(at_once)
    ]
    codes = [proc.wait() for proc in procs]
    elapsed = time.perf_counter() - started
    if any(codes):
        raise RuntimeError(f"the bare run failed (exit codes {codes}): {' '.join(argv[3:])}")
    return elapsed


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
    try:
        sub = stage_submission(files, tmp / "sub")
        inputs = stage_inputs(grader, tmp / "inputs")
        bare, sandboxed, scores = [], [], set()
        for i in range(args.repeat):
            bare.append(bare_run(grader, sub, inputs))
            t0 = time.perf_counter()
            results = grader.grade(files, sandbox, run_id=f"bench-{i}-{uuid.uuid4().hex[:6]}")
            sandboxed.append(time.perf_counter() - t0)
            scores.add(results["score"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def line(label: str, values: list[float]) -> str:
        return (
            f"{label:<34} median {statistics.median(values):6.2f} s   "
            f"min {min(values):6.2f} s   max {max(values):6.2f} s"
        )

    print(
        f"assignment {grader.assignment.id}, {len(grader.assignment.tests)} tests, "
        f"submission {args.submission}, {args.repeat} runs, {threads(grader)} thread(s), "
        f"score(s) {sorted(scores)}"
    )
    print(f"{'load spec + expected values (cached)':<34} {load_time:6.2f} s")
    print(line("bare run (python, same steps)", bare))
    print(line("sandboxed grading (Docker)", sandboxed))
    extra = statistics.median(sandboxed) - statistics.median(bare)
    ratio = statistics.median(sandboxed) / statistics.median(bare)
    print(f"{'overhead (median)':<34} {extra:6.2f} s, x{ratio:.1f}")


if __name__ == "__main__":
    main()
