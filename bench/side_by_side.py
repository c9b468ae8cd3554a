"""Benchmark for issue 12: every way of grading one submission, side by side, in one run.

    .venv/bin/python bench/side_by_side.py [--repeat 3] [--regrade 20]
        [--assignment DIR --submission PATH] [--concurrency CORES]

Needs Docker with the sandbox image (`make setup`) and redis-server on the PATH. Each
row is measured --repeat times; the table shows median, min, max (p95 for the service)
and the ratio of the median to the bare median. The rows:

  bare              a fresh Python process running every test's steps in-process, no
                    isolation, no checks (bench/grade_overhead.py's bare run)
  fresh container   the same bare script in a fresh hardened `docker run --rm` of the
                    sandbox image (no network, read-only root, no capabilities, the
                    sandbox's uid, memory/pids/CPU limits, tmpfs /tmp), grader modules,
                    submission and fixtures mounted read-only: Gradescope's model; timed
                    from `docker run` to its exit
  sandbox cold      `Grader.grade` with DockerSandbox: staging, container, one forked
                    process per test, report, checks, feedback
  sandbox pool      n/a until issue 12 builds a warm pool
  service           HTTP upload to graded record through a private stack (Redis, API, a
                    Celery worker with --concurrency processes), one upload at a time,
                    polling GET /api/submissions/{id}; one unmeasured warm-up upload first
  throughput        --regrade N uploads at once by N students; time until all are
                    graded; the ratio column is against the bare limit N x bare / cores
  hostile total     cs189_hw2 only: the worker time of two hostile submissions graded
                    with DockerSandbox, a relu_activation that sleeps forever and one
                    that fork-bombs (the reference otherwise), summed
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from bench.grade_overhead import BARE, bare_payload, bare_run  # noqa: E402
from config import Settings  # noqa: E402
from grader.grading import Grader  # noqa: E402
from grader.submission import read_path  # noqa: E402
from sandbox.docker_sandbox import CONTAINER_FILES, SANDBOX_UID, DockerSandbox  # noqa: E402
from tests.integration import service_stack  # noqa: E402

HOSTILE = {
    "sleeps forever": "import time\ndef relu_activation(s):\n    while True:\n"
    "        time.sleep(1)\n",
    "fork bomb": "import os\ndef relu_activation(s):\n    while True:\n        try:\n"
    "            os.fork()\n        except OSError:\n            pass\n",
}
FINISHED = {"graded", "failed"}


def stage_peer(grader: Grader, folder: Path) -> dict:
    """The files the fresh container mounts at /bench: the bare script, the plan, the
    grader modules it imports, file fixtures; returns the payload it reads on stdin."""
    (folder / "lib").mkdir(parents=True)
    for rel, source in CONTAINER_FILES.items():
        if rel.startswith("grader/"):
            (folder / "lib" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, folder / "lib" / rel)
    (folder / "bare.py").write_text(BARE)
    (folder / "plan.json").write_text(json.dumps(grader.plan))
    payload = bare_payload(grader)
    for name, path in payload["__files__"].items():  # host paths -> paths in the container
        copy = shutil.copytree if Path(path).is_dir() else shutil.copy
        copy(path, folder / "files" / name)
        payload["__files__"][name] = f"/bench/files/{name}"
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return payload


def peer_run(grader: Grader, image: str, folder: Path, sub: Path, payload: dict) -> float:
    limits = grader.assignment.limits
    threads = str(max(1, int(limits.cpus + 0.999)))
    argv = ["docker", "run", "--rm", "-i", "--network", "none", "--read-only"]
    argv += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
    argv += ["--user", f"{SANDBOX_UID}:{SANDBOX_UID}", "--memory", f"{limits.memory_mb}m"]
    argv += ["--memory-swap", f"{limits.memory_mb}m", "--pids-limit", str(limits.pids)]
    argv += ["--cpus", str(limits.cpus), "--tmpfs", f"/tmp:size={limits.tmp_mb}m,mode=1777"]
    argv += ["-v", f"{folder}:/bench:ro", "-v", f"{sub}:/submission:ro", "-w", "/tmp"]
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        argv += ["-e", f"{var}={threads}"]
    argv += ["-e", "PYTHONPATH=/submission:/bench/lib", "-e", "PYTHONDONTWRITEBYTECODE=1"]
    module = grader.assignment.submission.module or "-"
    argv += [image, "python3", "/bench/bare.py", "/submission", module, "/bench/plan.json"]
    started = time.perf_counter()
    subprocess.run(argv, input=json.dumps(payload), text=True, check=True, capture_output=True)
    return time.perf_counter() - started


def upload(stack: service_stack.Stack, token: str, assignment: str, files: dict) -> str:
    with stack.client(token) as http:
        response = http.post(
            f"/api/assignments/{assignment}/submissions",
            files=[("files", (name, data)) for name, data in files.items()],
        )
    response.raise_for_status()
    return str(response.json()["id"])


def wait_all(stack: service_stack.Stack, pending: dict[str, str], timeout: float) -> None:
    """Poll each (submission id -> token) until it is graded or failed."""
    deadline = time.monotonic() + timeout
    clients: dict[str, httpx.Client] = {}
    try:
        while pending:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(pending)} still not graded after {timeout} s")
            for sid, token in list(pending.items()):
                http = clients.setdefault(token, stack.client(token))
                record = http.get(f"/api/submissions/{sid}").json()
                if record["status"] in FINISHED:
                    if record["status"] != "graded":
                        raise RuntimeError(f"{sid} {record['status']}: {record}")
                    del pending[sid]
            time.sleep(0.05)
    finally:
        for http in clients.values():
            http.close()


def service_runs(args, grader: Grader, files: dict, settings: Settings):
    """(one-at-a-time upload-to-graded seconds, N-at-once seconds) through a private stack."""
    for i in range(args.regrade):  # N students; the tokens file is written from this table
        service_stack.TOKENS.setdefault(f"tok-s{i}", {"role": "student", "name": f"student{i}"})
    root = Path(tempfile.mkdtemp(prefix="side-by-side-"))
    stack = service_stack.Stack(
        root,
        GRADER_CACHE_DIR=str(settings.cache_dir),
        GRADER_ASSIGNMENTS_DIR=str(args.assignment.resolve().parent),
    )
    aid, single, batch = grader.assignment.id, [], []
    try:
        stack.start_redis()
        stack.start_worker(concurrency=args.concurrency)
        stack.start_api()
        for i in range(args.repeat + 1):  # the first is a warm-up
            t0 = time.perf_counter()
            wait_all(stack, {upload(stack, "tok-alice", aid, files): "tok-alice"}, 600)
            single.append(time.perf_counter() - t0) if i else None
        tokens = [f"tok-s{i}" for i in range(args.regrade)]
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            with ThreadPoolExecutor(len(tokens)) as pool:
                ids = pool.map(lambda tok: upload(stack, tok, aid, files), tokens)
                pending = dict(zip(ids, tokens, strict=True))
            wait_all(stack, pending, 60 + 60 * args.regrade)
            batch.append(time.perf_counter() - t0)
    finally:
        stack.stop()
        shutil.rmtree(root, ignore_errors=True)
    return single, batch


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--regrade", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--assignment", type=Path, default=REPO / "testcases" / "cs189_hw2")
    parser.add_argument(
        "--submission", type=Path, default=REPO / "reference" / "cs189_hw2" / "hw2.py"
    )
    args = parser.parse_args()

    settings = Settings.from_env()
    image = settings.worker.sandbox_image
    grader = Grader.load(args.assignment, settings.cache_dir)
    files = read_path(args.submission, grader.assignment.submission)
    sandbox = DockerSandbox(image, settings.worker.work_dir)
    tmp = Path(settings.worker.work_dir) / f"bench-{uuid.uuid4().hex[:8]}"
    (tmp / "sub").mkdir(parents=True)
    for name, data in files.items():
        (tmp / "sub" / name).write_bytes(data)
    for path in [tmp, *tmp.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    payload = stage_peer(grader, tmp / "peer")

    rows: dict[str, list[float] | None] = {}
    try:
        bare, peer, cold, scores = [], [], [], set()
        for i in range(args.repeat):
            bare.append(bare_run(grader, tmp / "sub", tmp))
            peer.append(peer_run(grader, image, tmp / "peer", tmp / "sub", payload))
            t0 = time.perf_counter()
            results = grader.grade(files, sandbox, run_id=f"bench-{i}-{uuid.uuid4().hex[:6]}")
            cold.append(time.perf_counter() - t0)
            scores.add(results["score"])
        rows["bare (one python process)"] = bare
        rows["fresh container (docker run)"] = peer
        rows["sandbox cold (Grader.grade)"] = cold
        rows["sandbox from the pool"] = None
        single, batch = service_runs(args, grader, files, settings)
        rows["service upload->graded"] = single
        rows[f"throughput {args.regrade} at once"] = batch
        if grader.assignment.id == "cs189_hw2":
            source = files["hw2.py"].decode()
            hostile = []
            for i in range(args.repeat):
                t0 = time.perf_counter()
                for j, snippet in enumerate(HOSTILE.values()):
                    hostile_files = {"hw2.py": (source + "\n\n" + snippet).encode()}
                    run_id = f"bench-h{i}{j}-{uuid.uuid4().hex[:6]}"
                    grader.grade(hostile_files, sandbox, run_id=run_id)
                hostile.append(time.perf_counter() - t0)
            rows["hostile total (sleep + fork bomb)"] = hostile
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    base = statistics.median(bare)
    limit = args.regrade * base / (os.cpu_count() or 1)
    print(
        f"assignment {grader.assignment.id} ({len(grader.assignment.tests)} tests), "
        f"submission {args.submission}, --repeat {args.repeat}, --regrade {args.regrade}, "
        f"{os.cpu_count()} cores, worker concurrency {args.concurrency}, score(s) {sorted(scores)}"
    )
    print(f"{'measure':<36}{'median':>9}{'min':>9}{'max':>9}{'p95':>9}  ratio")
    for label, values in rows.items():
        if values is None:
            print(f"{label:<36}{'n/a (no pool yet)':>36}")
            continue
        median = statistics.median(values)
        service = label.startswith("service")
        top = f"{'':>9}{p95(values):>8.2f}s" if service else f"{max(values):>8.2f}s{'':>9}"
        if label.startswith("throughput"):
            ratio = f"x{median / limit:.2f} of {args.regrade} x bare / cores = {limit:.2f}s"
        else:
            ratio = f"x{median / base:.1f} bare"
        print(f"{label:<36}{median:>8.2f}s{min(values):>8.2f}s{top}  {ratio}")


if __name__ == "__main__":
    main()
