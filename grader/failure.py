"""Runner failures: what the student reads when a test (or the import) did not
return normally: an exception, a timeout, a crash, an exit, too much output."""

from __future__ import annotations

import signal as signals
from collections.abc import Callable

from grader.report import PhaseResult
from grader.spec import Assignment, Limits, TestSpec
from grader.wire import Limit, PhaseStatus

STDOUT_SHOWN = 2000  # characters of a test's printed output shown in feedback
NO_RESULT = "no result: the sandbox stopped before this test finished"
LITTLE_CPU = 0.2  # of its timeout: a test stopped at its wall-clock cap that used less waited


def failure_message(phase: PhaseResult, assignment: Assignment, test: TestSpec | None) -> str:
    """Why ``phase`` failed, then what the code printed. ``test`` is None for the import."""
    limits = assignment.limits
    timeout = (test.timeout or limits.test_timeout) if test else limits.import_timeout
    body = EXPLAINED.get(phase.status)
    text = body(phase, limits, timeout) if body else (phase.message or NO_RESULT)
    return "\n".join([text, *stdout_lines(phase)])


def stdout_lines(phase: PhaseResult) -> list[str]:
    """What the code printed, cut to STDOUT_SHOWN characters, with a note when cut."""
    if not phase.stdout_bytes:
        return []
    text = phase.stdout[:STDOUT_SHOWN].rstrip()
    shown = len(phase.stdout[:STDOUT_SHOWN].encode())
    note = f" (first {shown} of {phase.stdout_bytes} bytes)" if phase.stdout_bytes > shown else ""
    return [f"Your code printed{note}:", text]


def _where(phase: PhaseResult) -> str:
    return f" in {phase.step}" if phase.step else ""


def _error(phase: PhaseResult, limits: Limits, timeout: float) -> str:
    text = f"{phase.error_type}{_where(phase)}: {phase.message}".rstrip(": ")
    if phase.error_type == "NotImplementedError":
        text = f"not implemented: {phase.step or 'this function'} raises NotImplementedError"
    if phase.error_type == "MemoryError":
        text += f" (the memory limit is {limits.memory_mb} MiB)"
    return text + (f"\n{phase.traceback.rstrip()}" if phase.traceback else "")


def _timeout(phase: PhaseResult, limits: Limits, timeout: float) -> str:
    """Which limit stopped it: CPU time (it computed too long), the wall-clock cap (it
    waited or slept, or, having computed much, ran on a busy machine) or the total."""
    where = _where(phase)
    if phase.limit == Limit.CPU:
        return f"timed out{where}: used more than {timeout:g} s of CPU time"
    if phase.limit == Limit.WALL:
        wall = f"still running after {timeout * limits.wall_factor:g} s (wall clock)"
        if phase.cpu < LITTLE_CPU * timeout:
            return (
                f"timed out{where}: {wall} while using little CPU ({phase.cpu:.1f} s): "
                "is it waiting or sleeping?"
            )
        used = f"having used {phase.cpu:.1f} s of its {timeout:g} s of CPU time"
        return f"timed out{where}: {wall}, {used}"
    if phase.limit == Limit.TOTAL:
        return (
            f"stopped{where}: the submission's total time limit of "
            f"{limits.submission_timeout:g} s ran out"
        )
    return f"timed out after {timeout:g} s{where}"


def _killed(phase: PhaseResult, limits: Limits, timeout: float) -> str:
    if phase.limit == Limit.PIDS:
        return f"killed: reached the limit of {limits.pids} processes (a fork bomb?)"
    sig = phase.signal or 0
    try:
        name = signals.Signals(sig).name
    except ValueError:
        name = f"signal {sig}"
    if phase.oom or sig == signals.SIGKILL:
        cause = "out of memory" if phase.oom else "most likely out of memory"
        return f"killed ({name}): {cause}, the memory limit is {limits.memory_mb} MiB"
    if sig == signals.SIGSEGV:
        return "crashed with SIGSEGV (segmentation fault)"
    return f"crashed with {name}"


def _exited(phase: PhaseResult, limits: Limits, timeout: float) -> str:
    return (
        f"the process exited with code {phase.exit_code} before returning a result"
        f"{_where(phase)}: does the code call exit(), sys.exit() or os._exit()?"
    )


def _too_large(phase: PhaseResult, limits: Limits, timeout: float) -> str:
    return f"the returned values are larger than the output limit of {limits.output_mb} MiB"


def _not_run(phase: PhaseResult, limits: Limits, timeout: float) -> str:
    return phase.message or "not run"


# status -> its explanation; any other status (missing, unknown) says NO_RESULT
EXPLAINED: dict[PhaseStatus, Callable[[PhaseResult, Limits, float], str]] = {
    PhaseStatus.ERROR: _error,
    PhaseStatus.TIMEOUT: _timeout,
    PhaseStatus.KILLED: _killed,
    PhaseStatus.EXITED: _exited,
    PhaseStatus.TOO_LARGE: _too_large,
    PhaseStatus.NOT_RUN: _not_run,
    PhaseStatus.IMPORT_FAILED: _not_run,
}
