"""Benchmark for issue 12: every way of grading a submission, side by side, in one run,
for each assignment (its reference as the submission).

    .venv/bin/python bench/side_by_side.py [--assignments cs189_hw2,mit6390_nn,...]
        [--repeat 3] [--regrade 200] [--regrade-mit 60] [--regrade-cmu 10] [--regrade-thu 4]
        [--concurrency CORES] [--service-pool-size 1] [--skip peer,pool,service,hostile]

Needs Docker with the sandbox image (`make setup`) and redis-server on the PATH. Rows
are measured --repeat times; the table shows median, min, max (p95 for the service's
latency) and the ratio of the median to the bare median, with the difference. The rows:

  bare              a fresh Python process running every test's steps in-process, no
                    isolation, no checks, with the sandbox's thread count
                    (bench/grade_overhead.py's bare run)
  bare, K at once   K = the machine's cores bare processes started together, until the
                    last exits: the most the cores give with no overhead at all
  fresh container   the same bare script in a fresh hardened `docker run --rm` of the
                    sandbox image per submission: Gradescope's model (bench/peer.py)
  sandbox cold      `Grader.grade` with DockerSandbox, no pool: staging, container
                    start, one forked process per test, report, checks, feedback
  sandbox pool      `Grader.grade` with DockerSandbox(pool_size=1): one unmeasured grade
                    teaches the pool the combination; before each measured grade
                    `pool.wait_ready(60)` (not timed). n/a while DockerSandbox has no pool
  service           HTTP upload to graded record through a private stack (bench/service.py)
                    with a worker of --concurrency processes and GRADER_POOL_SIZE =
                    --service-pool-size; one upload at a time on an idle service, after
                    one unmeasured warm-up upload; --uploads of them (default --repeat)
  uploads N         N students upload at once, until all are graded (one run: it makes
                    the N latest submissions the regrade takes)
  regrade N         the instructor's regrade of those N submissions (POST .../regrade)
                    until done; the ratio is against the bare limit N x bare / cores, and
                    in brackets against N x (bare, K at once) / K
  empty container   the machine's CPU seconds per container that only runs `true`,
                    with the sandbox's options: the least a container per submission
                    costs (bench/floor.py). The regrade's note also holds it against
                    N x (bare + empty container) / cores
  hostile           cs189_hw2 only: the worker time of two hostile submissions graded
                    with DockerSandbox, no pool (bench/hostile.py), each and summed
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import floor, hostile, service  # noqa: E402
from bench.grade_overhead import bare_run, stage_inputs, stage_submission, threads  # noqa: E402
from bench.peer import peer_run, stage_peer  # noqa: E402
from bench.table import Row, render  # noqa: E402
from config import Settings  # noqa: E402
from grader.grading import Grader  # noqa: E402
from grader.submission import validate  # noqa: E402
from sandbox.docker_sandbox import DockerSandbox  # noqa: E402

TESTCASES = REPO / "testcases"
CORES = os.cpu_count() or 1
# assignment -> (the option of its regrade's size, its default)
REGRADE = {
    "cs189_hw2": ("regrade", 200),
    "mit6390_nn": ("regrade_mit", 60),
    "cmu10601_hw5": ("regrade_cmu", 10),
    "thu_dl_hw": ("regrade_thu", 4),
}
SKIPPABLE = {"peer", "pool", "service", "hostile"}
# config/settings.py's defaults: the test stack's shorter ones would re-send every job a
# long regrade keeps queued every 15 s
PRODUCTION = {
    "GRADER_LEASE_SECONDS": "30",
    "GRADER_SWEEP_SECONDS": "10",
    "GRADER_QUEUED_GRACE": "60",
}


@dataclass
class Bench:
    """One assignment's figures, filled in row by row."""

    grader: Grader
    files: dict[str, bytes]
    regrade: int
    rows: dict[str, Row] = field(default_factory=dict)
    scores: set = field(default_factory=set)

    def median(self, key: str) -> float:
        return statistics.median(self.rows[key].values or [float("nan")])

    def add(self, key: str, row: Row) -> None:
        self.rows[key] = row


def attempt(benches: list[Bench], key: str, label: str, measure, *args) -> None:
    """Run one section; if it fails, say so in its row (and the traceback on stderr),
    so that a long run still prints every other figure."""
    try:
        measure(*args)
    except Exception as exc:
        traceback.print_exc()
        for bench in benches:
            bench.rows.setdefault(key, Row(label, None, f"failed: {type(exc).__name__}: {exc}"))


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def reference_submission(grader: Grader) -> dict[str, bytes]:
    """The reference's files that a student hands in: the submission's files and the
    written answers, if the assignment has them."""
    folder = REPO / "reference" / grader.assignment.id
    names = list(grader.assignment.submission.files)
    if grader.assignment.answers is not None:
        names.append(grader.assignment.answers.file)
    files = {n: (folder / n).read_bytes() for n in names if (folder / n).is_file()}
    return validate(files, grader.assignment.submission)


def grade(bench: Bench, sandbox: DockerSandbox) -> float:
    t0 = time.perf_counter()
    run_id = f"bench-{uuid.uuid4().hex[:10]}"
    results = bench.grader.grade(bench.files, sandbox, run_id=run_id)
    bench.scores.add(results["score"])
    return time.perf_counter() - t0


def local_rows(bench: Bench, args: argparse.Namespace, settings: Settings) -> None:
    """bare, the fresh container and the cold sandbox, interleaved, --repeat times."""
    image, work_dir = settings.worker.sandbox_image, Path(settings.worker.work_dir)
    tmp = work_dir / f"bench-{uuid.uuid4().hex[:8]}"
    sandbox = DockerSandbox(image, work_dir)
    bare, together, fresh, cold = [], [], [], []
    bench.add("bare", Row("bare (one python process)", bare))
    bench.add("together", Row(f"bare, {CORES} processes at once", together))
    skipped = "skipped" if "peer" in args.skip else ""
    bench.add("peer", Row("fresh container (docker run)", fresh, skipped))
    bench.add("cold", Row("sandbox cold (Grader.grade)", cold))
    try:
        sub = stage_submission(bench.files, tmp / "sub")
        inputs = stage_inputs(bench.grader, tmp / "inputs")
        peer = stage_peer(tmp / "peer")
        for _ in range(args.repeat):
            bare.append(bare_run(bench.grader, sub, inputs))
            together.append(bare_run(bench.grader, sub, inputs, at_once=CORES))
            if not skipped:
                fresh.append(peer_run(bench.grader, image, peer, sub, inputs))
            cold.append(grade(bench, sandbox))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    limits = bench.grader.assignment.limits
    empty = floor.empty_containers(image, limits, max(args.repeat, 5))
    bench.add("floor", Row("empty container (machine CPU s)", empty))


def pool_row(bench: Bench, args: argparse.Namespace, settings: Settings) -> None:
    image, work_dir = settings.worker.sandbox_image, Path(settings.worker.work_dir)
    label = "sandbox from the pool"
    try:
        sandbox = DockerSandbox(image, work_dir, pool_size=1)
    except TypeError:
        sandbox = DockerSandbox(image, work_dir)
    if getattr(sandbox, "pool", None) is None:
        bench.add("pool", Row(label, None, "DockerSandbox has no pool"))
        return
    times, not_ready = [], 0
    try:
        grade(bench, sandbox)  # teaches the pool this combination
        for _ in range(args.repeat):
            not_ready += not sandbox.pool.wait_ready(60)
            times.append(grade(bench, sandbox))
        stats = sandbox.pool.stats()
        stats = stats.as_dict() if hasattr(stats, "as_dict") else dict(stats)
    finally:
        sandbox.close()
    note = f"pool hits {stats.get('hits')}, misses {stats.get('misses')}"
    note += f", not ready after 60 s {not_ready}x" if not_ready else ""
    bench.add("pool", Row(label, times, note))


def service_rows(benches: list[Bench], args: argparse.Namespace, settings: Settings) -> None:
    """Latency, N uploads at once and the regrade, for every assignment in one stack."""
    size = args.service_pool_size
    env = {
        **PRODUCTION,
        "GRADER_CACHE_DIR": str(settings.cache_dir),
        "GRADER_ASSIGNMENTS_DIR": str(TESTCASES),
        "GRADER_POOL_SIZE": str(size),
    }
    students = max(b.regrade for b in benches)
    root = Path(tempfile.mkdtemp(prefix="side-by-side-"))
    try:
        with service.stack(root, args.concurrency, students, env) as stack:
            for bench in benches:
                service_rows_of(stack, bench, args, size)
    finally:
        log = root / "logs" / "worker.log"
        log = log.read_text(errors="replace") if log.exists() else ""
        progress(f"the worker's sweep re-sent jobs {log.count('sweep re-sent')} time(s)")
        if args.logs:
            shutil.copytree(root / "logs", args.logs, dirs_exist_ok=True)
        shutil.rmtree(root, ignore_errors=True)


def service_rows_of(stack, bench: Bench, args: argparse.Namespace, size: int) -> None:
    aid, limits = bench.grader.assignment.id, bench.grader.assignment.limits
    timeout = limits.submission_timeout + 120
    progress(f"{aid}: service latency, {args.uploads or args.repeat} uploads")
    before = service.pool_figures(stack) or {}
    single, scores = service.latency(stack, aid, bench.files, args.uploads or args.repeat, timeout)
    service.settle(stack)
    after = service.pool_figures(stack) or {}
    bench.scores |= scores
    hits = {k: after.get(k, 0) - before.get(k, 0) for k in ("hits", "misses")}
    note = f"pool hits {hits['hits']}, misses {hits['misses']}" if after else ""
    pool = f"pool {size}" if size else "no pool"
    bench.add("service", Row(f"service upload->graded ({pool})", single, note, p95=True))

    n = bench.regrade
    limit = (n * bench.median("bare") / CORES, f"{n} x bare / {CORES} cores")
    together = n * bench.median("together") / CORES  # N x (CORES at once) / CORES

    floor_limit = n * (bench.median("bare") + bench.median("floor")) / CORES

    def against(seconds: list[float]) -> str:
        median = statistics.median(seconds)
        return (
            f"x{median / together:.2f} of {together:.2f}s at once; "
            f"x{median / floor_limit:.2f} of {floor_limit:.2f}s with the empty container"
        )

    batch_timeout = 120 + n * timeout
    progress(f"{aid}: {n} uploads at once")
    uploads = [service.upload_all(stack, aid, bench.files, n, batch_timeout)]
    label = f"uploads {n} at once (1 run)"
    bench.add("uploads", Row(label, uploads, against(uploads), limit=limit))
    regrades = []
    for i in range(args.repeat):
        progress(f"{aid}: regrade of {n}, {i + 1} of {args.repeat}")
        service.settle(stack)
        seconds, jobs = service.regrade(stack, aid, batch_timeout)
        if jobs != n:
            raise RuntimeError(f"the regrade took {jobs} submissions, not {n}")
        regrades.append(seconds)
    label = f"regrade {n} ({args.concurrency} worker processes)"
    bench.add("regrade", Row(label, regrades, against(regrades), limit=limit))


def hostile_rows(bench: Bench, args: argparse.Namespace, settings: Settings) -> None:
    sandbox = DockerSandbox(settings.worker.sandbox_image, Path(settings.worker.work_dir))
    times = hostile.hostile_runs(bench.grader, sandbox, bench.files, args.repeat)
    for name, values in times.items():
        bench.add(f"hostile {name}", Row(f"hostile: {name}", values))
    total = [sum(run) for run in zip(*times.values(), strict=True)]
    bench.add("hostile", Row(f"hostile total (the {len(times)} summed)", total))


def title(bench: Bench, args: argparse.Namespace, service_note: str) -> str:
    grader = bench.grader
    names = ", ".join(sorted(bench.files))
    return (
        f"\nassignment {grader.assignment.id} ({len(grader.assignment.tests)} tests), "
        f"reference {names}, {threads(grader)} thread(s), cpus {grader.assignment.limits.cpus:g},"
        f" --repeat {args.repeat}, {CORES} cores{service_note}, "
        f"score(s) {sorted(bench.scores, key=str)}"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignments", default=",".join(REGRADE))
    parser.add_argument("--repeat", type=int, default=3)
    for aid, (option, default) in REGRADE.items():
        flag = "--" + option.replace("_", "-")
        parser.add_argument(flag, type=int, default=default, help=f"regrade size of {aid}")
    parser.add_argument("--concurrency", type=int, default=CORES)
    parser.add_argument("--service-pool-size", type=int, default=1, help="0: no pool")
    parser.add_argument("--uploads", type=int, default=0, help="latency samples (--repeat)")
    parser.add_argument("--skip", default="", help=f"rows to skip: {', '.join(SKIPPABLE)}")
    parser.add_argument("--logs", type=Path, help="keep the service stack's logs here")
    args = parser.parse_args(argv)
    args.assignments = [a for a in args.assignments.split(",") if a]
    args.skip = {s for s in args.skip.split(",") if s}
    unknown = args.skip - SKIPPABLE | set(args.assignments) - set(REGRADE)
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")
    return args


def main() -> None:
    args = parse_args()
    settings = Settings.from_env()
    # a SIGTERM unwinds (the stack is stopped, staging removed) and prints what was measured
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated (SIGTERM)"))
    benches: list[Bench] = []
    for aid in args.assignments:
        grader = Grader.load(TESTCASES / aid, settings.cache_dir)
        regrade = getattr(args, REGRADE[aid][0])
        benches.append(Bench(grader, reference_submission(grader), regrade))
    try:
        measure(benches, args, settings)
    finally:
        note = "" if "service" in args.skip else f", worker concurrency {args.concurrency}"
        for bench in benches:
            if bench.rows:
                print(render(title(bench, args, note), list(bench.rows.values())), flush=True)


def measure(benches: list[Bench], args: argparse.Namespace, settings: Settings) -> None:
    for bench in benches:
        progress(f"{bench.grader.assignment.id}: bare, fresh container, sandbox cold")
        local_rows(bench, args, settings)
        if "pool" not in args.skip:
            progress(f"{bench.grader.assignment.id}: sandbox from the pool")
            attempt([bench], "pool", "sandbox from the pool", pool_row, bench, args, settings)
    if "service" not in args.skip:
        attempt(benches, "service", "service", service_rows, benches, args, settings)
    for bench in benches:
        if bench.grader.assignment.id == hostile.ASSIGNMENT and "hostile" not in args.skip:
            progress("hostile submissions")
            attempt([bench], "hostile", "hostile total", hostile_rows, bench, args, settings)


if __name__ == "__main__":
    main()
