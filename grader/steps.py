"""Step interpreter: run a test's steps against a module of functions.

The same code runs a test twice: inside the sandbox against the student's module,
and on the trusted side against the reference module to get expected values. So
both sides interpret the steps identically, and the expected values never travel
into the sandbox.

This module is copied into the sandbox: standard library and NumPy only.

A step is a JSON object:
    {"call": "forward_pass", "args": [arg, ...], "kwargs": {"name": arg}, "as": "fwd"}
    {"call": "forward", "on": arg, ...}       # a method of an earlier result
    {"set": "W", "on": arg, "value": arg}     # obj.W = a copy of value
    {"copy": arg, "as": "snapshot"}           # a deep copy of a value, taken now
    {"seed": 0}                               # seed NumPy's, Python's (and torch's) generators
    {"helper": "param_count", "args": [...], "as": "n"}   # a harness helper (HELPERS below)
    {"run": "neuralnet.py", "args": [arg, {"output": "metrics"}, ...],
     "outputs": {"metrics": {"file": "metrics_out.txt", "max_bytes": N}}, "as": "r"}
                                              # run a program of the submission as __main__
An arg is one of:
    {"ref": "fwd", "path": [0, "key"]}        # a fixture or an earlier step's result
    {"function": "relu_activation"}           # a function of the module under test
    {"probe": "cubic_sine"}                   # a fixed scalar test function (below)
    {"value": <json>}                         # a JSON literal (lists stay lists)
    {"array": <nested list>, "dtype": "float64"}
    {"list": [arg, ...]}
    {"tensor": arg, "dtype": "float32"}       # a torch tensor made from the value
    {"output": "metrics"}                     # (run steps) the path to write that output to

A run step executes the program in this process with ``runpy``, ``sys.argv`` set to
the program's path and its arguments as strings; its output files go to a fresh
temporary folder. Its result maps each output name to the file's text (decoded as
UTF-8 with replacement), or to None when the program did not write it; the trusted
side parses the text (grader.parsers). ``SystemExit`` with status 0 or None is a
normal end; any other status is an error.

Torch is imported only by the steps that need it, so NumPy-only assignments never
load it.
"""

from __future__ import annotations

import copy
import runpy
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from grader import seeding


def _cubic_sine(a: Any) -> float:
    a = np.asarray(a, dtype=np.float64)
    return float(np.sum(a**3) + np.sum(np.sin(a)))


def _quadratic(a: Any) -> float:
    a = np.asarray(a, dtype=np.float64)
    return float(np.sum(a * a) + np.sum(a))


def _coupled_cubic(a: Any) -> float:
    """Entries interact through the last term, so a perturbation left in place shows."""
    a = np.asarray(a, dtype=np.float64)
    return float(np.sum(a**3) + np.sum(np.sin(a)) + 0.5 * np.sum(a) ** 2)


def _param_count(model: Any) -> int:
    """The number of trainable values of a torch module."""
    return int(sum(p.numel() for p in model.parameters()))


def _predict(model: Any, X: Any, batch_size: int = 1000) -> np.ndarray:
    """Class labels: the argmax of the model's outputs, in eval mode, without gradients."""
    import torch

    model.eval()
    with torch.no_grad():
        parts = [model(X[i : i + batch_size]).argmax(dim=1) for i in range(0, len(X), batch_size)]
    return torch.cat(parts).cpu().numpy().astype(np.int64)


def _grad_of(fn: Callable[..., Any], x: Any, *args: Any, **kwargs: Any) -> Any:
    """d fn(x, ...) / d x at x, for a function that returns a scalar tensor."""
    import torch

    leaf = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    fn(leaf, *args, **kwargs).backward()
    grad = leaf.grad.numpy()
    return float(grad) if grad.ndim == 0 else grad


HELPERS: dict[str, Callable[..., Any]] = {
    "param_count": _param_count,
    "predict": _predict,
    "grad_of": _grad_of,
}


PROBES: dict[str, Callable[[Any], float]] = {
    "cubic_sine": _cubic_sine,
    "coupled_cubic": _coupled_cubic,
    "quadratic": _quadratic,
}


class StepError(Exception):
    """A step raised, or its arguments could not be resolved."""

    def __init__(self, index: int, call: str, cause: BaseException) -> None:
        super().__init__(f"step {index + 1} ({call}): {type(cause).__name__}: {cause}")
        self.index = index
        self.call = call
        self.cause = cause


@dataclass
class StepRun:
    """What running a list of steps left behind."""

    env: dict[str, Any]
    warnings: list[dict[str, str]] = field(default_factory=list)


def run_steps(
    module: ModuleType | Any,
    steps: list[dict[str, Any]],
    fixture: Callable[[str], Any],
    programs: Path | None = None,
    seed: int | None = None,
) -> StepRun:
    """Run ``steps`` in order; floating-point warnings are recorded, not raised.

    ``programs`` is the folder that run steps find their program in (the submission
    in the sandbox, the reference's folder on the trusted side). With a ``seed``, every
    global random generator is seeded with it first (grader.seeding)."""
    with seeding.seeded(seed):
        return _run_all(module, steps, fixture, programs)


def _run_all(
    module: ModuleType | Any,
    steps: list[dict[str, Any]],
    fixture: Callable[[str], Any],
    programs: Path | None,
) -> StepRun:
    run = StepRun(env={})
    for index, step in enumerate(steps):
        if "run" in step:
            run.env[step["as"]] = _run_program(index, step, module, run, fixture, programs)
            continue
        if "call" not in step and "helper" not in step:
            _run_plain_step(index, step, module, run, fixture)
            continue
        _run_call_step(index, step, module, run, fixture)
    return run


def _run_call_step(
    index: int, step: Mapping[str, Any], module: Any, run: StepRun, fixture: Callable[[str], Any]
) -> None:
    """A call of a student function or method, or of a harness helper."""
    call = step.get("call") or step["helper"]
    try:
        target = _callable(module, step, run.env, fixture)
        owner = getattr(target, "__self__", None)
        if "on" in step and owner is not None:  # name methods after their class
            call = f"{type(owner).__name__}.{step['call']}"
        args = [_resolve(a, module, run.env, fixture) for a in step.get("args", [])]
        kwargs = {
            k: _resolve(a, module, run.env, fixture) for k, a in step.get("kwargs", {}).items()
        }
        # Underflow is not a fault: exp(-1000) rounding to 0 is what a stable sigmoid does.
        with (
            warnings.catch_warnings(record=True) as caught,
            np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"),
        ):
            warnings.simplefilter("always")
            result = target(*args, **kwargs)
    except Exception as exc:
        raise StepError(index, call, exc) from exc
    for w in caught:
        if issubclass(w.category, RuntimeWarning):
            run.warnings.append({"call": call, "message": str(w.message)})
    if "as" in step:
        run.env[step["as"]] = result


class ProgramExit(Exception):
    """The program ended with a non-zero exit status."""


def _run_program(
    index: int,
    step: Mapping[str, Any],
    module: Any,
    run: StepRun,
    fixture: Callable[[str], Any],
    programs: Path | None,
) -> dict[str, str | None]:
    name = step["run"]
    folder = Path(tempfile.mkdtemp(prefix="run-"))
    outputs = step.get("outputs", {})
    saved_argv = sys.argv[:]
    try:
        if programs is None:
            raise FileNotFoundError("no program folder was given for run steps")
        path = Path(programs) / name
        argv = [str(path)]
        for arg in step.get("args", []):
            if "output" in arg:
                argv.append(str(folder / outputs[arg["output"]]["file"]))
            else:
                argv.append(str(_resolve(arg, module, run.env, fixture)))
        sys.argv = argv
        try:
            runpy.run_path(str(path), run_name="__main__")
        except SystemExit as exc:
            if exc.code not in (None, 0):
                raise ProgramExit(f"{name} exited with status {exc.code!r}") from None
        return {key: _read_output(folder / out["file"], out) for key, out in outputs.items()}
    except Exception as exc:
        raise StepError(index, name, exc) from exc
    finally:
        sys.argv = saved_argv
        shutil.rmtree(folder, ignore_errors=True)


def _read_output(path: Path, out: Mapping[str, Any]) -> str | None:
    if not path.is_file():
        return None
    limit = int(out.get("max_bytes", 1 << 20))
    with path.open("rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{out['file']} is larger than {limit // 1024} KiB")
    return data.decode("utf-8", "replace")


def step_label(step: Mapping[str, Any]) -> str:
    """How a step is named in messages: the function or method it calls, or its kind."""
    if "run" in step:
        return str(step["run"])
    if "call" in step or "helper" in step:
        return str(step.get("call") or step["helper"])
    if "set" in step:
        return f"setting .{step['set']}"
    return "copy" if "copy" in step else "seed"


def _run_plain_step(
    index: int, step: Mapping[str, Any], module: Any, run: StepRun, fixture: Callable[[str], Any]
) -> None:
    """The steps that call no student code directly: set, copy, seed."""
    try:
        if "seed" in step:
            seeding.seed_generators(step["seed"])
        elif "set" in step:
            owner = _resolve(step["on"], module, run.env, fixture)
            value = copy.deepcopy(_resolve(step["value"], module, run.env, fixture))
            setattr(owner, step["set"], value)
        else:
            value = _resolve(step["copy"], module, run.env, fixture)
            run.env[step["as"]] = copy.deepcopy(value)
    except Exception as exc:
        raise StepError(index, step_label(step), exc) from exc


def _callable(
    module: Any, step: Mapping[str, Any], env: dict[str, Any], fixture: Callable[[str], Any]
) -> Any:
    if "helper" in step:
        return HELPERS[step["helper"]]
    name = step["call"]
    owner = _resolve(step["on"], module, env, fixture) if "on" in step else module
    target = getattr(owner, name, None)
    if target is None:
        where = "the submitted module" if "on" not in step else f"the {type(owner).__name__} object"
        raise AttributeError(f"{where} has no attribute {name!r}")
    if not callable(target):
        raise TypeError(f"{name!r} is not callable")
    return target


def _resolve(
    arg: Mapping[str, Any], module: Any, env: dict[str, Any], fixture: Callable[[str], Any]
) -> Any:
    if "ref" in arg:
        return lookup(env, arg["ref"], arg.get("path", []), fixture)
    if "function" in arg:
        fn = getattr(module, arg["function"], None)
        if fn is None:
            raise AttributeError(f"the submitted module has no function {arg['function']!r}")
        return fn
    if "probe" in arg:
        return PROBES[arg["probe"]]
    if "value" in arg:
        return arg["value"]
    if "array" in arg:
        return np.array(arg["array"], dtype=arg.get("dtype", "float64"))
    if "list" in arg:
        return [_resolve(a, module, env, fixture) for a in arg["list"]]
    if "tensor" in arg:
        import torch

        value = _resolve(arg["tensor"], module, env, fixture)
        return torch.as_tensor(np.asarray(value), dtype=getattr(torch, arg.get("dtype", "float32")))
    raise ValueError(f"unknown argument form {sorted(arg)}")


def lookup(env: Mapping[str, Any], ref: str, path: list[Any], fixture: Callable[[str], Any]) -> Any:
    """Follow ``path`` (indexes, keys or attribute names) from a named value."""
    value = env[ref] if ref in env else fixture(ref)
    for part in path:
        if isinstance(part, int) or isinstance(value, Mapping):
            value = value[part]
        else:
            value = getattr(value, part)
    return value
