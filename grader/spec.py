"""The assignment spec: pydantic models for ``assignment.yaml`` and its loader.

The loader turns every validation problem into a ``SpecError`` that names the
file, the line and the field path, e.g.::

    testcases/cs189_hw2/assignment.yaml:57: tests[3].checks[0].rtol: Input should be a number

The language itself is documented in docs/spec-language.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from grader.errors import SpecError
from grader.parsers import PARSERS
from grader.steps import HELPERS, PROBES

SPEC_VERSION = 1
NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
REF = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)((?:\[-?\d+\]|\.[A-Za-z_][A-Za-z0-9_]*)*)$")
REF_PART = re.compile(r"\[(-?\d+)\]|\.([A-Za-z_][A-Za-z0-9_]*)")
Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]
Bounds = tuple[float, float]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- references and arguments


def parse_ref(text: str) -> dict[str, Any]:
    """``$fwd[0].W`` -> {"ref": "fwd", "path": [0, "W"]}."""
    m = REF.match(text)
    if not m:
        raise ValueError(
            f"{text!r} is not a reference: write $name, optionally followed by [index] or .field"
        )
    path: list[Any] = [int(i) if i else key for i, key in REF_PART.findall(m.group(2))]
    return {"ref": m.group(1), "path": path}


def parse_arg(raw: Any) -> dict[str, Any]:
    """Turn one YAML argument into the step interpreter's JSON form (see grader.steps)."""
    if isinstance(raw, str) and raw.startswith("$"):
        return parse_ref(raw)
    if raw is None or isinstance(raw, (bool, int, float, str)):
        return {"value": raw}
    if isinstance(raw, list):
        return {"list": [parse_arg(x) for x in raw]}
    if isinstance(raw, dict) and len(raw) == 1:
        ((key, body),) = raw.items()
        if key == "probe" and body not in PROBES:
            raise ValueError(f"unknown probe {body!r}; the probes are {', '.join(sorted(PROBES))}")
        if key in ("function", "probe", "output") and isinstance(body, str):
            return {key: body}
        if key == "value":
            return {"value": body}
    if isinstance(raw, dict) and "array" in raw and set(raw) <= {"array", "dtype"}:
        return {"array": raw["array"], "dtype": raw.get("dtype", "float64")}
    if isinstance(raw, dict) and "tensor" in raw and set(raw) <= {"tensor", "dtype"}:
        dtype = raw.get("dtype", "float32")
        if dtype not in TENSOR_DTYPES:
            raise ValueError(f"tensor dtype {dtype!r} is not one of {', '.join(TENSOR_DTYPES)}")
        return {"tensor": parse_arg(raw["tensor"]), "dtype": dtype}
    raise ValueError(
        "an argument is a $reference, a literal, a list of arguments, "
        "{function: NAME}, {probe: NAME}, {value: ANY}, {array: [...], dtype: ...}, "
        "{tensor: ARG, dtype: ...} or (in a run step) {output: NAME}; "
        f"got {str(raw)[:80]!r}"
    )


def key_of(ref: dict[str, Any]) -> str:
    """A stable key for a parsed reference, e.g. ``grads[0][1]``: names a value in the report."""
    return ref["ref"] + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in ref["path"])


def ref_key(text: str) -> str:
    return key_of(parse_ref(text))


def names_in(arg: dict[str, Any], kind: str) -> list[str]:
    """The names a parsed argument holds under ``kind`` (``ref``, ``function`` or
    ``output``), looking inside lists and tensor arguments."""
    if kind in arg:
        return [arg[kind]]
    if "list" in arg:
        return [name for item in arg["list"] for name in names_in(item, kind)]
    if "tensor" in arg:
        return names_in(arg["tensor"], kind)
    return []


def refs_in(arg: dict[str, Any]) -> list[str]:
    """Names (fixtures or saved results) referenced by a parsed argument."""
    return names_in(arg, "ref")


def outputs_in(arg: dict[str, Any]) -> list[str]:
    """Program outputs named by ``{output: NAME}`` arguments."""
    return names_in(arg, "output")


def functions_in(arg: dict[str, Any]) -> list[str]:
    """Student functions passed by ``{function: NAME}`` arguments."""
    return names_in(arg, "function")


def _ref(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError(f"expected a $reference such as $result[0], got {v!r}")
    parse_ref(v)
    return v


# ---------------------------------------------------------------- fixtures


class NpzKey(Model):
    key: str
    dtype: str | None = None
    divide_by: float | None = None


class Fixture(Model):
    kind: Literal["pickle", "npz", "npy", "literal", "random", "file"]
    visibility: Literal["public", "hidden"] = "hidden"
    description: str = ""
    path: str | None = None
    unpack: list[Annotated[str, Field(pattern=NAME)]] | None = None
    keys: dict[Annotated[str, Field(pattern=NAME)], str | NpzKey] | None = None
    value: Any = None
    dtype: str | None = None
    shape: list[Annotated[int, Field(ge=0)]] | None = None
    seed: int | None = None
    distribution: Literal["normal", "uniform", "integers"] | None = None
    low: float = 0.0
    high: float = 1.0
    mean: float = 0.0
    std: float = 1.0

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Fixture:
        needs = {
            "pickle": ["path"],
            "npz": ["path", "keys"],
            "npy": ["path"],
            "literal": ["value"],
            "random": ["shape", "seed", "distribution"],
            "file": ["path"],
        }[self.kind]
        missing = [f for f in needs if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a {self.kind} fixture needs {', '.join(missing)}")
        if self.unpack is not None and self.kind != "pickle":
            raise ValueError("unpack applies to pickle fixtures only")
        return self


# ---------------------------------------------------------------- steps and checks


STEP_KINDS = ("call", "set", "copy", "seed", "helper", "run")
FILE_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$"


class ProgramOutput(Model):
    """A file a program run writes: its name, and how the trusted side reads it.

    Written as ``NAME: FILE`` (read as text) or ``NAME: {file: FILE, parse: lines}``."""

    file: Annotated[str, Field(pattern=FILE_NAME)]
    parse: str = "text"
    max_kb: Annotated[int, Field(ge=1, le=65536)] = 1024

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"file": data} if isinstance(data, str) else data

    @field_validator("parse")
    @classmethod
    def _known_parser(cls, v: str) -> str:
        if v not in PARSERS:
            raise ValueError(f"unknown parser {v!r}; the parsers are {', '.join(sorted(PARSERS))}")
        return v


TENSOR_DTYPES = ("float32", "float64", "int64")
ALIASES = {"as_": "as", "copy_": "copy"}  # fields named after a Python or pydantic word


class Step(Model):
    """One of: ``call`` (a function, or a method with ``on``), ``set`` (an attribute of
    ``on`` to ``value``), ``copy`` (a snapshot of a reference, saved ``as``), ``seed``,
    ``helper`` (a harness function) or ``run`` (a program of the submission, with
    command-line ``args``, whose written files ``outputs`` are saved ``as``)."""

    call: Annotated[str | None, Field(pattern=NAME)] = None
    run: Annotated[str | None, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}\.py$")] = None
    outputs: dict[Annotated[str, Field(pattern=NAME)], ProgramOutput] = {}
    helper: Annotated[str | None, Field(pattern=NAME)] = None
    set: Annotated[str | None, Field(pattern=NAME)] = None
    copy_: Annotated[str | None, Field(alias="copy")] = None
    seed: Annotated[int | None, Field(ge=0, lt=2**32)] = None
    on: str | None = None
    value: Any = None
    args: list[Any] = []
    kwargs: dict[Annotated[str, Field(pattern=NAME)], Any] = {}
    as_: Annotated[str | None, Field(alias="as", pattern=NAME)] = None

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        given = {ALIASES.get(name, name) for name in self.model_fields_set}
        kinds = [k for k in STEP_KINDS if k in given]
        if len(kinds) != 1:
            raise ValueError("a step has exactly one of the keys " + ", ".join(STEP_KINDS))
        allowed = {
            "call": {"call", "on", "args", "kwargs", "as"},
            "helper": {"helper", "args", "kwargs", "as"},
            "set": {"set", "on", "value"},
            "copy": {"copy", "as"},
            "seed": {"seed"},
            "run": {"run", "args", "outputs", "as"},
        }[kinds[0]]
        if given - allowed:
            raise ValueError(
                f"a {kinds[0]} step does not take {', '.join(sorted(given - allowed))}"
            )
        if self.helper is not None and self.helper not in HELPERS:
            names = ", ".join(sorted(HELPERS))
            raise ValueError(f"unknown helper {self.helper!r}; the helpers are {names}")
        if self.set is not None and (self.on is None or "value" not in given):
            raise ValueError("a set step needs on (the object) and value")
        if self.copy_ is not None and self.as_ is None:
            raise ValueError("a copy step needs as (the name of the copy)")
        used = [n for a in self.arguments() for n in outputs_in(a)]
        if self.run is None and used:
            raise ValueError("an {output: NAME} argument belongs to a run step")
        if self.run is not None:
            self._check_program_outputs(used)
        return self

    def _check_program_outputs(self, used: list[str]) -> None:
        if ".." in self.run.split("/"):  # type: ignore[union-attr]
            raise ValueError(f"run: {self.run!r} must be a file of the submission")
        for name in used:
            if name not in self.outputs:
                raise ValueError(f"args: {{output: {name}}} is not one of the step's outputs")
        for name in self.outputs:
            if name not in used:
                raise ValueError(
                    f"outputs.{name}: pass its path to the program as an argument "
                    f"({{output: {name}}}): programs write where they are told"
                )
        files = [o.file for o in self.outputs.values()]
        if len(set(files)) != len(files):
            raise ValueError("outputs: two outputs name the same file")
        if self.outputs and self.as_ is None:
            raise ValueError("a run step with outputs needs as (the name of its result)")

    @field_validator("value")
    @classmethod
    def _value(cls, v: Any) -> Any:
        return parse_arg(v)

    @field_validator("copy_")
    @classmethod
    def _copy(cls, v: str | None) -> str | None:
        return None if v is None else _ref(v)

    @field_validator("args")
    @classmethod
    def _args(cls, v: list[Any]) -> list[Any]:
        return [parse_arg(a) for a in v]

    @field_validator("kwargs")
    @classmethod
    def _kwargs(cls, v: dict[str, Any]) -> dict[str, Any]:
        return {k: parse_arg(a) for k, a in v.items()}

    @field_validator("on")
    @classmethod
    def _on(cls, v: str | None) -> str | None:
        return None if v is None else _ref(v)

    def arguments(self) -> list[dict[str, Any]]:
        parsed = [*self.args, *self.kwargs.values()]
        if self.set is not None:
            parsed.append(self.value)
        if self.copy_ is not None:
            parsed.append(parse_ref(self.copy_))
        return [parse_ref(self.on), *parsed] if self.on else parsed

    def to_plan(self) -> dict[str, Any]:
        if self.seed is not None:
            return {"seed": self.seed}
        if self.run is not None:
            outputs = {
                n: {"file": o.file, "max_bytes": o.max_kb * 1024} for n, o in self.outputs.items()
            }
            return {"run": self.run, "args": self.args, "outputs": outputs, "as": self.as_}
        if self.copy_ is not None:
            return {"copy": parse_ref(self.copy_), "as": self.as_}
        if self.set is not None:
            return {"set": self.set, "on": parse_ref(str(self.on)), "value": self.value}
        kind = {"helper": self.helper} if self.helper else {"call": self.call}
        out: dict[str, Any] = {**kind, "args": self.args, "kwargs": self.kwargs}
        if self.on:
            out["on"] = parse_ref(self.on)
        if self.as_:
            out["as"] = self.as_
        return out


class CheckBase(Model):
    weight: Annotated[float, Field(gt=0)] = 1.0
    label: str | None = None


class MatchCheck(CheckBase):
    """Compare a student value with the reference's value for the same steps."""

    match: str
    rtol: Annotated[float, Field(ge=0)] | None = None
    atol: Annotated[float, Field(ge=0)] | None = None
    _v = field_validator("match")(_ref)

    @property
    def match_key(self) -> str:
        return ref_key(self.match)


class NoWarningsCheck(CheckBase):
    """No floating-point warning (overflow, divide by zero, invalid) during the steps."""

    no_warnings: Literal[True]


class ShapeCheck(CheckBase):
    shape: str
    equals: list[Annotated[int, Field(ge=0)]]
    _v = field_validator("shape")(_ref)


class LengthCheck(CheckBase):
    length: str
    equals: Annotated[int, Field(ge=0)]
    _v = field_validator("length")(_ref)


class StatsCheck(CheckBase):
    """Summary statistics of an array within bounds: for random initialisations."""

    stats: str
    mean: Bounds | None = None
    std: Bounds | None = None
    min: Bounds | None = None
    max: Bounds | None = None
    _v = field_validator("stats")(_ref)

    @model_validator(mode="after")
    def _some_bound(self) -> StatsCheck:
        bounds = self.bounds()
        if not bounds:
            raise ValueError("a stats check needs at least one of mean, std, min, max")
        for name, (lo, hi) in bounds.items():
            if lo > hi:
                raise ValueError(f"{name}: the lower bound {lo} is above the upper bound {hi}")
        return self

    def bounds(self) -> dict[str, Bounds]:
        pairs = {"mean": self.mean, "std": self.std, "min": self.min, "max": self.max}
        return {k: v for k, v in pairs.items() if v is not None}


class MetricCheck(CheckBase):
    """A metric computed outside the sandbox by a trusted reference function."""

    metric: Annotated[str, Field(pattern=NAME)]
    args: list[Any]
    min: float | None = None
    max: float | None = None

    @field_validator("args")
    @classmethod
    def _args(cls, v: list[Any]) -> list[Any]:
        return [parse_arg(a) for a in v]

    @model_validator(mode="after")
    def _some_bound(self) -> MetricCheck:
        if self.min is None and self.max is None:
            raise ValueError("a metric check needs min, max or both")
        return self


class AnswerCheck(CheckBase):
    """A written answer (a number or a nested list of numbers) from the answers file,
    compared on the trusted side; needs no steps."""

    answer: Annotated[str, Field(min_length=1, max_length=50)]
    equals: Any
    rtol: Annotated[float, Field(ge=0)] | None = None
    atol: Annotated[float, Field(ge=0)] | None = None

    @field_validator("equals")
    @classmethod
    def _numeric(cls, v: Any) -> Any:
        def numeric(x: Any) -> bool:
            if isinstance(x, list):
                return bool(x) and all(numeric(i) for i in x)
            return isinstance(x, (int, float)) and not isinstance(x, bool)

        if not numeric(v):
            raise ValueError(f"equals must be a number or a list of numbers, got {v!r}")
        return v


CHECK_KINDS = ("match", "no_warnings", "shape", "length", "stats", "metric", "answer")


def _check_kind(raw: Any) -> str | None:
    if isinstance(raw, dict):
        kinds = [k for k in CHECK_KINDS if k in raw]
        if len(kinds) == 1:
            return kinds[0]
    return None


Check = Annotated[
    Annotated[MatchCheck, Tag("match")]
    | Annotated[NoWarningsCheck, Tag("no_warnings")]
    | Annotated[ShapeCheck, Tag("shape")]
    | Annotated[LengthCheck, Tag("length")]
    | Annotated[StatsCheck, Tag("stats")]
    | Annotated[MetricCheck, Tag("metric")]
    | Annotated[AnswerCheck, Tag("answer")],
    Discriminator(
        _check_kind,
        custom_error_type="check_kind",
        custom_error_message="a check has exactly one of the keys " + ", ".join(CHECK_KINDS),
    ),
]


class TestSpec(Model):
    __test__ = False  # not a pytest class

    name: Annotated[str, Field(min_length=1, max_length=200)]
    points: Annotated[float, Field(ge=0)]
    visibility: Visibility = "visible"
    timeout: Annotated[float, Field(gt=0)] | None = None
    partial: bool = False
    tags: list[str] = []
    description: str = ""
    steps: list[Step] = []
    checks: Annotated[list[Check], Field(min_length=1)]

    @model_validator(mode="after")
    def _refs_defined_in_order(self) -> TestSpec:
        if not self.steps and not all(isinstance(c, AnswerCheck) for c in self.checks):
            raise ValueError("steps: a test needs steps, unless all its checks are answer checks")
        produced: set[str] = set()
        for i, step in enumerate(self.steps):
            if step.as_:
                if step.as_ in produced:
                    raise ValueError(f"steps[{i}]: the name {step.as_!r} is already used")
                produced.add(step.as_)
        inputs = self.fixture_refs()  # a check may look at an input after the steps ran
        for i, check in enumerate(self.checks):
            ref = check_ref(check)
            if ref is not None and parse_ref(ref)["ref"] not in produced | inputs:
                raise ValueError(
                    f"checks[{i}]: refers to {ref!r}, but no step saves a result under that name "
                    f"(steps save with `as:`; saved: {sorted(produced) or 'none'})"
                )
            self._check_program_refs(i, check)
        return self

    def _check_program_refs(self, i: int, check: Any) -> None:
        """A program run's result is read one output at a time: ``$run.OUTPUT``."""
        runs = {s.as_: s for s in self.steps if s.run and s.as_}
        ref = check_ref(check)
        refs = [parse_ref(ref)] if ref else []
        if isinstance(check, MetricCheck):
            refs += [a for a in check.args if "ref" in a]
        for parsed in refs:
            step = runs.get(parsed["ref"])
            if step is None:
                continue
            path = parsed["path"]
            if len(path) != 1 or path[0] not in step.outputs:
                names = ", ".join(f"${step.as_}.{n}" for n in step.outputs) or "none"
                raise ValueError(
                    f"checks[{i}]: {key_of(parsed)!r} is not an output of the run step; "
                    f"its outputs are {names}"
                )

    def output_parsers(self) -> dict[str, tuple[str, str]]:
        """Output key (``NAME.OUTPUT``) -> (parser, file name), for every run step's
        outputs: how the trusted side reads them (grader.parsers.parse_values)."""
        return {
            f"{s.as_}.{name}": (out.parse, out.file)
            for s in self.steps
            if s.run and s.as_
            for name, out in s.outputs.items()
        }

    def fixture_uses(self) -> list[tuple[int, str]]:
        """(step index, name) for names no earlier step produced: they must be fixtures."""
        produced: set[str] = set()
        uses: list[tuple[int, str]] = []
        for k, step in enumerate(self.steps):
            uses.extend((k, n) for a in step.arguments() for n in refs_in(a) if n not in produced)
            if step.as_:
                produced.add(step.as_)
        return uses

    def fixture_refs(self) -> set[str]:
        return {name for _, name in self.fixture_uses()}

    def all_tags(self) -> list[str]:
        """The student functions and methods this test exercises, in order of first use.
        A method is named after the call that made its object: ``Linear.forward``."""
        names: list[str] = []
        made_by: dict[str, str] = {}  # saved name -> the function or class that returned it
        for step in self.steps:
            if step.run:
                names.append(step.run)
            if step.call and not step.on:
                names.append(step.call)
                if step.as_:
                    made_by[step.as_] = step.call
            elif step.call and step.on:
                owner = made_by.get(parse_ref(step.on)["ref"])
                names.append(f"{owner}.{step.call}" if owner else step.call)
            names.extend(n for a in step.arguments() for n in functions_in(a))
        names.extend(self.tags)
        return list(dict.fromkeys(names))


def check_ref(check: Any) -> str | None:
    for attr in ("match", "shape", "length", "stats"):
        if isinstance(getattr(check, attr, None), str):
            return getattr(check, attr)
    return None


# ---------------------------------------------------------------- the assignment


class Submission(Model):
    """What the student hands in. ``module`` is imported for call steps; a submission
    that is only a program (run steps) has none."""

    files: Annotated[list[str], Field(min_length=1)]
    module: Annotated[str | None, Field(pattern=NAME)] = None
    max_bytes: Annotated[int, Field(gt=0)] = 1_048_576

    @field_validator("files")
    @classmethod
    def _plain_names(cls, v: list[str]) -> list[str]:
        for name in v:
            if name.startswith("/") or ".." in name.split("/") or not name:
                raise ValueError(f"{name!r} must be a relative path inside the submission")
        return v


class Reference(Model):
    module: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$")]


class Limits(Model):
    test_timeout: Annotated[float, Field(gt=0, le=3600)] = 10
    import_timeout: Annotated[float, Field(gt=0, le=600)] = 10
    submission_timeout: Annotated[float, Field(gt=0, le=7200)] = 300
    memory_mb: Annotated[int, Field(ge=64, le=65536)] = 512
    cpus: Annotated[float, Field(gt=0, le=64)] = 1
    pids: Annotated[int, Field(ge=8, le=4096)] = 64
    tmp_mb: Annotated[int, Field(ge=1, le=4096)] = 64
    file_size_mb: Annotated[int, Field(ge=1, le=4096)] = 64
    output_mb: Annotated[int, Field(ge=1, le=1024)] = 32
    stdout_kb: Annotated[int, Field(ge=1, le=10240)] = 64


class AnswersFile(Model):
    """The submission file with written answers: a YAML or JSON mapping of question ids
    to numbers. Not required: a submission without it loses only its answer checks."""

    file: str
    max_bytes: Annotated[int, Field(gt=0, le=1_048_576)] = 65_536


class Tolerance(Model):
    rtol: Annotated[float, Field(ge=0)]
    atol: Annotated[float, Field(ge=0)]


class Assignment(Model):
    version: Literal[1]
    id: Annotated[str, Field(pattern=NAME)]
    title: str
    submission: Submission
    reference: Reference
    limits: Limits = Limits()
    preload: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$")]] = ["numpy"]
    tolerance: Tolerance | None = None
    answers: AnswersFile | None = None
    fixtures: dict[Annotated[str, Field(pattern=NAME)], Fixture] = {}
    tests: Annotated[list[TestSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _cross_references(self) -> Assignment:
        seen: set[str] = set()
        for i, test in enumerate(self.tests):
            if test.name in seen:
                raise ValueError(f"tests[{i}].name: two tests are named {test.name!r}")
            seen.add(test.name)
            self._check_code_steps(i, test)
            for k, name in test.fixture_uses():
                fixture = self.fixtures.get(name)
                if fixture is None:
                    raise ValueError(
                        f"tests[{i}].steps[{k}]: uses ${name}, which is neither a fixture "
                        "nor a result saved by an earlier step"
                    )
                if fixture.visibility != "public":
                    raise ValueError(
                        f"tests[{i}].steps[{k}]: passes hidden fixture ${name} to student "
                        "code; hidden fixtures never enter the sandbox (mark it public, or use "
                        "it only in a metric check)"
                    )
            for j, check in enumerate(test.checks):
                if isinstance(check, AnswerCheck) and self.answers is None:
                    raise ValueError(
                        f"tests[{i}].checks[{j}]: an answer check needs the top-level "
                        "`answers: {file: ...}` naming the submission's answers file"
                    )
                tolerant = isinstance(check, (MatchCheck, AnswerCheck))
                untoleranced = tolerant and None in (check.rtol, check.atol)
                if untoleranced and self.tolerance is None:
                    raise ValueError(
                        f"tests[{i}].checks[{j}]: a match or answer check needs rtol and atol, "
                        "on the check or in the assignment's tolerance"
                    )
                if isinstance(check, MetricCheck):
                    for name in (n for a in check.args for n in refs_in(a)):
                        if name not in self.fixtures and name not in {s.as_ for s in test.steps}:
                            raise ValueError(
                                f"tests[{i}].checks[{j}]: uses ${name}, which is neither a "
                                "fixture nor a saved step result"
                            )
        return self

    def _check_code_steps(self, i: int, test: TestSpec) -> None:
        """Call steps need the module; run steps need a program among the files."""
        for k, step in enumerate(test.steps):
            uses_module = (step.call and not step.on) or any(
                functions_in(a) for a in step.arguments()
            )
            if uses_module and self.submission.module is None:
                raise ValueError(
                    f"tests[{i}].steps[{k}]: calls student code, but `submission.module` "
                    "names no module to import"
                )
            if step.run and step.run not in self.submission.files:
                raise ValueError(
                    f"tests[{i}].steps[{k}].run: {step.run!r} is not one of the required "
                    f"submission files ({', '.join(self.submission.files)})"
                )

    @property
    def programs(self) -> list[str]:
        """The submission files that run steps execute."""
        return sorted({s.run for t in self.tests for s in t.steps if s.run})

    def tolerance_of(self, check: MatchCheck | AnswerCheck) -> Tolerance:
        default = self.tolerance
        rtol = check.rtol if check.rtol is not None else default.rtol  # type: ignore[union-attr]
        atol = check.atol if check.atol is not None else default.atol  # type: ignore[union-attr]
        return Tolerance(rtol=rtol, atol=atol)

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tests)


# ---------------------------------------------------------------- loading


class SpecLoader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. YAML 1.1 (PyYAML's default) also reads on, off,
    yes and no as booleans, which would turn a step's `on:` key into True."""


SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_assignment(directory: Path) -> Assignment:
    """Read ``DIRECTORY/assignment.yaml``; raise SpecError naming file, line and field."""
    path = Path(directory) / "assignment.yaml"
    if not Path(directory).is_dir():
        raise SpecError("no such assignment directory", str(directory))
    if not path.is_file():
        raise SpecError("assignment.yaml is missing", str(path))
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=SpecLoader)
        data = yaml.load(text, Loader=SpecLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        if getattr(exc, "context", None):
            problem = f"{problem} ({exc.context})"
        raise SpecError(f"invalid YAML: {problem}", where) from None
    if not isinstance(data, dict):
        raise SpecError("the top level must be a mapping of fields", str(path))
    if data.get("version") != SPEC_VERSION:
        raise SpecError(
            f"version: this grader reads spec version {SPEC_VERSION}, got {data.get('version')!r}",
            f"{path}:1",
        )
    try:
        return Assignment.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = _field_loc(error["loc"], data)
        line = _line_of(root, loc)
        message = error["msg"].removeprefix("Value error, ")
        located = LOCATED.match(message)
        if located:  # a cross-reference check names its own place
            loc = loc + _parse_loc(located.group(1))
            message = message[located.end() :]
            line = _line_of(root, loc)
        field_path = _format_loc(loc) or "(top level)"
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise SpecError(f"{field_path}: {message}{more}", f"{path}:{line}") from None


def _field_loc(loc: tuple[Any, ...], data: Any) -> list[Any]:
    """The error's place in the YAML: the keys and indexes that exist in it, without
    pydantic's union tags; a last field that is absent (required but missing) is named."""
    out: list[Any] = []
    node = data
    for part in loc:
        key = ALIASES.get(part, part) if isinstance(part, str) else part
        if is_tag(part, out):
            continue
        if (isinstance(node, list) and isinstance(key, int) and key < len(node)) or (
            isinstance(node, dict) and key in node
        ):
            node = node[key]
            out.append(key)
        elif isinstance(key, str) and not key.startswith(("function-", "tagged-")):
            out.append(key)  # a required field that is missing
            break
    return out


def is_tag(part: Any, loc_so_far: list[Any]) -> bool:
    """pydantic puts the union's tag after ``checks[i]``; it is not a YAML key."""
    return part in CHECK_KINDS and len(loc_so_far) >= 2 and loc_so_far[-2] == "checks"


def _line_of(root: yaml.Node | None, loc: list[Any]) -> int:
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                break
            node = match
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
        else:
            break
    return (node.start_mark.line + 1) if node is not None else 1


LOCATED = re.compile(r"^((?:[a-z_]+|\[\d+\])(?:\[\d+\]|\.[a-z_]+)*): ")


def _parse_loc(text: str) -> list[Any]:
    return [int(i) if i else key for key, i in re.findall(r"([a-z_]+)|\[(\d+)\]", text)]


def _format_loc(loc: list[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
