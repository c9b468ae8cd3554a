"""The child side (sandbox.container.child): error entries and the tracebacks they
show, the import check, a test's values and the errors of reading them."""

from __future__ import annotations

import types
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grader import steps, wire
from sandbox.container import child
from sandbox.container.child import SUBMISSION


def raised(source: str, filename: str) -> BaseException:
    """The exception raised by running ``source`` as if it were the file ``filename``."""
    try:
        exec(compile(source, filename, "exec"), {})
    except BaseException as exc:
        return exc
    raise AssertionError("no exception")


def test_tracebacks_show_only_the_students_files() -> None:
    exc = raised("def f():\n    1 / 0\nf()\n", str(SUBMISSION / "hw2.py"))
    text = child.student_frames(exc.__traceback__)
    assert 'File "hw2.py", line 3, in <module>' in text
    assert 'File "hw2.py", line 2, in f' in text
    assert __file__ not in text  # the frame of `raised` is not the student's


def test_frames_outside_the_submission_are_hidden() -> None:
    exc = raised("1 / 0\n", "/tmp/inprocess-x/submission/hw2.py")
    assert child.student_frames(exc.__traceback__) == ""


def test_tracebacks_keep_their_last_4000_characters() -> None:
    chain = "".join(f"def f{i}():\n    f{i + 1}()\n" for i in range(200))
    exc = raised(chain + "def f200():\n    1 / 0\nf0()\n", str(SUBMISSION / "deep.py"))
    text = child.student_frames(exc.__traceback__)
    assert len(text) == child.MAX_TRACEBACK and text.endswith("in f200\n")


@pytest.mark.parametrize(
    ("exc", "step", "expected"),
    [
        (ValueError("bad"), "", {"step": "", "error_type": "ValueError", "message": "bad"}),
        (SystemExit(3), "import", {"step": "import", "error_type": "SystemExit", "message": "3"}),
        (KeyboardInterrupt(), "x", {"step": "x", "error_type": "KeyboardInterrupt", "message": ""}),
        (
            steps.StepError(2, "forward", TypeError("no")),
            "ignored",
            {"step": "forward", "error_type": "TypeError", "message": "no"},
        ),
        (
            RuntimeError("m" * 5000),
            "",
            {"step": "", "error_type": "RuntimeError", "message": "m" * child.MAX_MESSAGE},
        ),
    ],
)
def test_error_entries(exc: BaseException, step: str, expected: dict[str, Any]) -> None:
    assert child.error_entry(exc, step) == {"status": "error", **expected, "traceback": ""}


def test_the_import_check_reports_what_the_import_raised(tmp_path: Path) -> None:
    def load(name: str) -> Any:
        raise SystemExit(f"{name} quits")

    entry = child.import_check(load, "hw2", [], tmp_path)
    assert entry["error_type"] == "SystemExit" and entry["message"] == "hw2 quits"
    assert entry["step"] == "import"
    assert child.import_check(lambda name: None, "hw2", ["ignored.py"], tmp_path) == {
        "status": "ok"
    }


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"a.py": "x = 1\n", "b.py": "print('hi')\n"}, {"status": "ok"}),
        ({"a.py": "x = 1\n", "b.py": "def f(:\n"}, {"step": "b.py", "error_type": "SyntaxError"}),
        ({"a.py": "x = 1\n"}, {"step": "b.py", "error_type": "FileNotFoundError"}),
        ({"a.py": b"\xff\xfe\x00x", "b.py": ""}, {"step": "a.py", "error_type": "SyntaxError"}),
    ],
)
def test_programs_are_compiled_not_run(
    tmp_path: Path, files: dict[str, Any], expected: dict[str, str]
) -> None:
    for name, text in files.items():
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    entry = child.import_check(lambda name: None, None, ["a.py", "b.py"], tmp_path)
    assert {k: entry[k] for k in expected} == expected


def module(**functions: Any) -> types.ModuleType:
    mod = types.ModuleType("hw2")
    mod.__dict__.update(functions)
    return mod


def plan_test(steps_: list[dict[str, Any]], outputs: dict[str, Any]) -> dict[str, Any]:
    return {"id": "t03", "steps": steps_, "outputs": outputs}


def call(name: str, *args: Any, as_: str = "r") -> dict[str, Any]:
    return {"call": name, "args": [{"value": a} for a in args], "kwargs": {}, "as": as_}


def test_a_tests_values_are_encoded_with_its_prefix(tmp_path: Path) -> None:
    mod = module(f=lambda n: (np.arange(n), {"k": n}))
    outputs = {"r": {"ref": "r", "path": []}, "r[0]": {"ref": "r", "path": [0]}}
    entry = child.run_test(mod, plan_test([call("f", 3)], outputs), {}, tmp_path)
    assert entry["status"] == "ok" and entry["warnings"] == [] and entry["value_errors"] == {}
    assert entry["values"]["r"] == {
        "__tuple__": [{"__ndarray__": "t03_0_0.npy"}, {"__dict__": {"k": 3}}]
    }
    # r[0] is the very array inside r: it is written once and both values name it
    assert entry["values"]["r[0]"] == {"__ndarray__": "t03_0_0.npy"}
    assert set(entry["blobs"]) == {"t03_0_0.npy"}


def test_a_value_that_cannot_be_read_is_a_value_error(tmp_path: Path) -> None:
    mod = module(f=lambda: [1])
    outputs = {"r[5]": {"ref": "r", "path": [5]}, "r": {"ref": "r", "path": []}}
    entry = child.run_test(mod, plan_test([call("f")], outputs), {}, tmp_path)
    assert entry["values"] == {"r": [1]}
    assert entry["value_errors"] == {
        "r[5]": "cannot read r[5] from the returned value: IndexError: list index out of range"
    }


def test_a_failing_step_is_an_error_entry(tmp_path: Path) -> None:
    entry = child.run_test(module(), plan_test([call("missing")], {}), {}, tmp_path)
    assert entry["status"] == "error" and entry["step"] == "missing"
    assert entry["error_type"] == "AttributeError"
    assert "blobs" not in entry


def test_warnings_are_capped(tmp_path: Path) -> None:
    def noisy() -> None:
        for i in range(80):
            warnings.warn(f"overflow {i}", RuntimeWarning, stacklevel=1)

    entry = child.run_test(module(noisy=noisy), plan_test([call("noisy")], {}), {}, tmp_path)
    assert len(entry["warnings"]) == wire.MAX_WARNINGS
    assert entry["warnings"][0] == {"call": "noisy", "message": "overflow 0"}


def test_the_test_job_reports_a_failed_import(tmp_path: Path) -> None:
    def load(name: str) -> Any:
        raise ImportError(name)

    entry = child.run_child(load, "hw2", plan_test([], {}), {}, tmp_path)
    assert [entry[k] for k in ("step", "error_type", "message")] == ["import", "ImportError", "hw2"]
    no_module = child.run_child(load, None, plan_test([], {}), {}, tmp_path)
    assert no_module["status"] == "ok"  # nothing to import for programs


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(0), GeneratorExit()])
def test_outcome_of_catches_everything(exc: BaseException) -> None:
    def job() -> dict[str, Any]:
        raise exc

    assert child.outcome_of(job)["error_type"] == type(exc).__name__


def test_the_tests_seed_is_in_every_generator_from_before_the_import(tmp_path: Path) -> None:
    """Randomness drawn at import and in the steps is the same on every run of a test."""

    def load(_: str) -> types.ModuleType:
        drawn_at_import = np.random.rand()
        return module(f=lambda: (drawn_at_import, np.random.default_rng().random()))

    test = {**plan_test([call("f")], {"r": {"ref": "r", "path": []}}), "seed": 5}
    runs = [child.run_child(load, "hw2", test, {}, tmp_path)["values"]["r"] for _ in range(2)]
    assert runs[0] == runs[1]
    other = child.run_child(load, "hw2", {**test, "seed": 6}, {}, tmp_path)["values"]["r"]
    assert other != runs[0]
