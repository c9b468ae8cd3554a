"""Steps: what a test does, in order, before its checks look at the results.

The plan's encoding of a step is grader.plan.step_plan; the interpreter that runs
it is grader.steps. This module only validates what the YAML says.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, GetJsonSchemaHandler, field_validator, model_validator
from pydantic.json_schema import JsonSchemaValue

from grader.spec.model import ALIASES, FILE_NAME, NAME, Model
from grader.spec.refs import REF, outputs_in, parse_arg, parse_ref, ref_field
from grader.wire import HELPER_NAMES

STEP_KINDS = ("call", "set", "copy", "seed", "helper", "run")
STEP_FIELDS = {
    "call": {"call", "on", "args", "kwargs", "as"},
    "helper": {"helper", "args", "kwargs", "as"},
    "set": {"set", "on", "value"},
    "copy": {"copy", "as"},
    "seed": {"seed"},
    "run": {"run", "args", "outputs", "as"},
}
# The parsers of program output files: grader.parsers.PARSERS implements exactly
# these (a unit test holds the two together).
PARSER_NAMES = ("text", "lines", "key_values")


class ProgramOutput(Model):
    """A file a program run writes: its name, and how the trusted side reads it.

    Written as ``NAME: FILE`` (read as text) or ``NAME: {file: FILE, parse: lines}``."""

    file: Annotated[str, Field(pattern=FILE_NAME)]
    """The file's name, e.g. `metrics_out.txt`."""
    parse: Annotated[str, Field(json_schema_extra={"enum": list(PARSER_NAMES)})] = "text"
    """How the trusted side reads it: `text` (the default), `lines` (one number per line: a
    labels file) or `key_values` (one `KEY: NUMBER` per line: a metrics file)."""
    max_kb: Annotated[int, Field(ge=1, le=65536)] = 1024
    """A larger file fails the test."""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"file": data} if isinstance(data, str) else data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: Any, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The shorthand `NAME: FILE` is valid too."""
        shorthand = {
            "type": "string",
            "pattern": FILE_NAME,
            "description": "the file, read as text",
        }
        return {"anyOf": [shorthand, handler(core_schema)]}

    @field_validator("parse")
    @classmethod
    def _known_parser(cls, v: str) -> str:
        if v not in PARSER_NAMES:
            names = ", ".join(sorted(PARSER_NAMES))
            raise ValueError(f"unknown parser {v!r}; the parsers are {names}")
        return v


def _one_kind_schema(schema: dict[str, Any]) -> None:
    """Tell editors that a step has one kind and that kind's keys (``_one_kind`` checks
    the same, with messages)."""
    schema["oneOf"] = [
        {"required": [kind], "propertyNames": {"enum": sorted(STEP_FIELDS[kind])}}
        for kind in STEP_KINDS
    ]


class Step(Model):
    """One step of a test, of one kind: `call` (a function of the student's module, or a
    method with `on`), `set` (an attribute of `on` to `value`), `copy` (a snapshot saved
    `as`), `seed`, `helper` (a harness function) or `run` (a program of the submission,
    with command-line `args`, whose written files `outputs` are saved `as`)."""

    model_config = ConfigDict(json_schema_extra=_one_kind_schema)

    call: Annotated[str | None, Field(pattern=NAME)] = None
    """A function (or class) of the student's module to call; with `on`, a method of that
    object."""
    run: Annotated[str | None, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}\.py$")] = None
    """A program of the submission, run as `__main__` with `args` as its command line."""
    outputs: dict[Annotated[str, Field(pattern=NAME)], ProgramOutput] = Field(default_factory=dict)
    """run: the files the program writes, `NAME: FILE` or `NAME: {file: FILE, parse: lines}`;
    each is passed to it as an `{output: NAME}` argument."""
    helper: Annotated[
        str | None, Field(pattern=NAME, json_schema_extra={"enum": [*sorted(HELPER_NAMES), None]})
    ] = None
    """A fixed harness function, not student code: `predict(model, X)` (argmax labels),
    `param_count(model)`, `grad_of(fn, x, *args)` (an autograd gradient)."""
    set: Annotated[str | None, Field(pattern=NAME)] = None
    """An attribute of the object `on` to set to a copy of `value`."""
    copy_: Annotated[
        str | None, Field(alias="copy", json_schema_extra={"pattern": REF.pattern})
    ] = None
    """A `$reference` to deep-copy now and save `as` (an attribute that changes later)."""
    seed: Annotated[int | None, Field(ge=0, lt=2**32)] = None
    """Seed NumPy's global generator and Python's `random` (and torch, when loaded)."""
    on: Annotated[str | None, Field(json_schema_extra={"pattern": REF.pattern})] = None
    """The object (a `$reference` to a saved result) whose method `call` calls, or whose
    attribute `set` sets."""
    value: Any = None
    """set: the value, an argument (a `$reference`, a literal, `{array: ...}`, ...)."""
    args: list[Any] = Field(default_factory=list)
    """The positional arguments: `$references`, literals, lists, `{function: NAME}`,
    `{probe: NAME}`, `{array: [...], dtype: ...}`, `{tensor: ARG}`, `{value: ANY}` and, in a
    run step, `{output: NAME}`."""
    kwargs: dict[Annotated[str, Field(pattern=NAME)], Any] = Field(default_factory=dict)
    """Keyword arguments, the same forms as `args`."""
    as_: Annotated[str | None, Field(alias="as", pattern=NAME)] = None
    """The name later steps and checks use for the result (`$NAME`)."""

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        given = {ALIASES.get(name, name) for name in self.model_fields_set}
        kinds = [k for k in STEP_KINDS if k in given]
        if len(kinds) != 1:
            raise ValueError("a step has exactly one of the keys " + ", ".join(STEP_KINDS))
        extra = given - STEP_FIELDS[kinds[0]]
        if extra:
            raise ValueError(f"a {kinds[0]} step does not take {', '.join(sorted(extra))}")
        if self.helper is not None and self.helper not in HELPER_NAMES:
            names = ", ".join(sorted(HELPER_NAMES))
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

    @field_validator("copy_", "on")
    @classmethod
    def _ref_or_none(cls, v: str | None) -> str | None:
        return None if v is None else ref_field(v)

    @field_validator("args")
    @classmethod
    def _args(cls, v: list[Any]) -> list[Any]:
        return [parse_arg(a) for a in v]

    @field_validator("kwargs")
    @classmethod
    def _kwargs(cls, v: dict[str, Any]) -> dict[str, Any]:
        return {k: parse_arg(a) for k, a in v.items()}

    def arguments(self) -> list[dict[str, Any]]:
        parsed = [*self.args, *self.kwargs.values()]
        if self.set is not None:
            parsed.append(self.value)
        if self.copy_ is not None:
            parsed.append(parse_ref(self.copy_))
        return [parse_ref(self.on), *parsed] if self.on else parsed
