"""The assignment spec: pydantic models for ``assignment.yaml`` and its loader.

The language is documented in docs/spec-language.md. One module per noun:
``refs`` (references and arguments), ``fixtures``, ``steps``, ``checks`` (one class
per kind, each evaluating itself), ``testspec``, ``assignment`` and ``loader``.
"""

from grader.spec.assignment import (
    AnswersFile,
    Assignment,
    Limits,
    Reference,
    Submission,
    Tolerance,
)
from grader.spec.checks import (
    CHECK_CLASSES,
    CHECK_KINDS,
    AnswerCheck,
    Check,
    CheckBase,
    LengthCheck,
    MatchCheck,
    MetricCheck,
    NoWarningsCheck,
    ShapeCheck,
    StatsCheck,
    ValueCheck,
)
from grader.spec.fixtures import Fixture, NpzKey
from grader.spec.loader import LOCATED, SPEC_VERSION, SpecLoader, is_tag, load_assignment
from grader.spec.model import ALIASES, FILE_NAME, MODULE_NAME, NAME, Bounds, Model, Visibility
from grader.spec.refs import (
    REF,
    REF_PART,
    TENSOR_DTYPES,
    functions_in,
    key_of,
    names_in,
    outputs_in,
    parse_arg,
    parse_ref,
    ref_field,
    ref_key,
    refs_in,
)
from grader.spec.steps import PARSER_NAMES, STEP_KINDS, ProgramOutput, Step
from grader.spec.testspec import TestSpec

__all__ = [
    "ALIASES",
    "CHECK_CLASSES",
    "CHECK_KINDS",
    "FILE_NAME",
    "LOCATED",
    "MODULE_NAME",
    "NAME",
    "PARSER_NAMES",
    "REF",
    "REF_PART",
    "SPEC_VERSION",
    "STEP_KINDS",
    "TENSOR_DTYPES",
    "AnswerCheck",
    "AnswersFile",
    "Assignment",
    "Bounds",
    "Check",
    "CheckBase",
    "Fixture",
    "LengthCheck",
    "Limits",
    "MatchCheck",
    "MetricCheck",
    "Model",
    "NoWarningsCheck",
    "NpzKey",
    "ProgramOutput",
    "Reference",
    "ShapeCheck",
    "SpecLoader",
    "StatsCheck",
    "Step",
    "Submission",
    "TestSpec",
    "Tolerance",
    "ValueCheck",
    "Visibility",
    "functions_in",
    "is_tag",
    "key_of",
    "load_assignment",
    "names_in",
    "outputs_in",
    "parse_arg",
    "parse_ref",
    "ref_field",
    "ref_key",
    "refs_in",
]
