"""The child side: what a forked test process runs (or, in the in-process fake, this
very process): import the student module, run a test's steps, encode the values.

A job is a function of no arguments returning a report entry (grader.wire); a
test's entry carries its ``.npy`` files under ``blobs`` until it is framed.

Copied into the container: standard library, NumPy and the core's codec and steps.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from grader import codec, seeding, steps, wire

SUBMISSION = Path("/submission")  # the container's mount point: tracebacks show files under it
Job = Callable[[], wire.Entry]
LoadModule = Callable[[str], Any]  # module name -> module (importlib.import_module)

MAX_MESSAGE = 2000
MAX_TRACEBACK = 4000


def student_frames(tb: Any) -> str:
    """The traceback lines that point into the student's own files (under /submission;
    the in-process fake's files are elsewhere, so its tracebacks stay empty)."""
    root = str(SUBMISSION)
    frames = [f for f in traceback.extract_tb(tb) if f.filename.startswith(root)]
    for frame in frames:
        frame.filename = frame.filename[len(root) + 1 :]
    return "".join(traceback.format_list(frames))[-MAX_TRACEBACK:]


def error_entry(exc: BaseException, step: str) -> wire.Entry:
    cause = exc.cause if isinstance(exc, steps.StepError) else exc
    step = exc.call if isinstance(exc, steps.StepError) else step
    return wire.error(
        type(cause).__name__,
        str(cause)[:MAX_MESSAGE],
        step=step,
        traceback=student_frames(cause.__traceback__),
    )


def import_check(
    load: LoadModule, module_name: str | None, programs: list[str], submission: Path
) -> wire.Entry:
    """Import the student module; for a program-only submission compile its programs
    instead (a program reads its command line: importing it would run it)."""
    if module_name is None:
        return compile_programs(programs, submission)
    _, failed = _load(load, module_name)
    return failed or wire.ok()


def _load(load: LoadModule, module_name: str | None) -> tuple[Any, wire.Entry | None]:
    """The student module (None when the assignment has none), or the error entry of
    its import."""
    if module_name is None:
        return None, None
    try:
        return load(module_name), None
    except BaseException as exc:  # SystemExit, KeyboardInterrupt included: all reported
        return None, error_entry(exc, "import")


def run_child(
    load: LoadModule,
    module_name: str | None,
    test: Mapping[str, Any],
    fixtures: Mapping[str, Any],
    submission: Path,
) -> wire.Entry:
    """Import the student module (if the assignment has one), then run the test; with
    the test's seed in every global random generator from before the import on."""
    with seeding.seeded(test.get("seed")):
        module, failed = _load(load, module_name)
        return failed or run_test(module, test, fixtures, submission)


def compile_programs(programs: list[str], submission: Path) -> wire.Entry:
    for name in programs:
        try:
            source = (submission / name).read_bytes()
            compile(source, str(submission / name), "exec", dont_inherit=True)
        except BaseException as exc:
            return error_entry(exc, name)
    return wire.ok()


def run_test(
    module: Any, test: Mapping[str, Any], fixtures: Mapping[str, Any], submission: Path
) -> wire.Entry:
    """Run a test's steps (run steps find their programs in ``submission``) and encode
    the values it asks for. The entry's ``blobs`` hold the .npy files."""
    try:
        run = steps.run_steps(
            module, test["steps"], fixtures.__getitem__, submission, seed=test.get("seed")
        )
    except BaseException as exc:
        return error_entry(exc, "")
    values: dict[str, Any] = {}
    value_errors: dict[str, str] = {}
    blobs: dict[str, bytes] = {}
    seen: dict[int, Any] = {}  # an array in several outputs (Ws, Ws[0]) is sent once
    for n, (key, ref) in enumerate(test["outputs"].items()):
        try:
            value = steps.lookup(run.env, ref["ref"], ref["path"], fixtures.__getitem__)
            tree, more = codec.encode(value, prefix=f"{test['id']}_{n}_", seen=seen)
        except Exception as exc:
            value_errors[key] = (
                f"cannot read {key} from the returned value: {type(exc).__name__}: {exc}"
            )
            continue
        values[key] = tree
        blobs.update(more)
    entry = wire.ok()
    entry.update(
        warnings=run.warnings[: wire.MAX_WARNINGS],
        values=values,
        value_errors=value_errors,
        blobs=blobs,
    )
    return entry


def outcome_of(job: Job) -> wire.Entry:
    """The job's entry; whatever it raises becomes an error entry."""
    try:
        return job()
    except BaseException as exc:
        return error_entry(exc, "")


def child_main(result_w: int, output_w: int, job: Job, submission: Path, workdir: Path) -> NoReturn:
    """The forked child: stdin from /dev/null, stdout and stderr into ``output_w``, the
    framed entry into ``result_w``. Processes the student forks send nothing."""
    me = os.getpid()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(output_w, 1)
    os.dup2(output_w, 2)
    with contextlib.suppress(OSError):
        Path("/proc/self/oom_score_adj").write_text("1000")  # the child dies first, not PID 1
    os.chdir(workdir)
    sys.path.insert(0, str(submission))
    entry = outcome_of(job)
    if os.getpid() != me:  # a process the student forked: it has no result to send
        os._exit(0)
    frame = wire.encode_frame(entry)
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    view = memoryview(frame)
    while view:
        view = view[os.write(result_w, view[: 1 << 20]) :]
    os._exit(0)
