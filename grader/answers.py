"""Written answers: read from a submission file on the trusted side, never executed.

The file is the student's, so it is parsed as data: ``yaml.safe_load`` (JSON is
YAML too) of at most ``max_bytes``, and only a mapping of question ids is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from grader.spec import AnswersFile


@dataclass(frozen=True)
class Answers:
    """The student's answers by question id, or why there are none."""

    values: Mapping[str, Any] = field(default_factory=dict)
    problem: str = ""


def read_answers(files: Mapping[str, bytes], spec: AnswersFile | None) -> Answers:
    if spec is None:
        return Answers(problem="this assignment has no answers file")
    data = files.get(spec.file)
    if data is None:
        return Answers(problem=f"the submission has no {spec.file}")
    if len(data) > spec.max_bytes:
        return Answers(problem=f"{spec.file} is larger than {spec.max_bytes} bytes")
    try:
        parsed = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        return Answers(problem=f"{spec.file} is not valid YAML or JSON{where}")
    if not isinstance(parsed, dict):
        return Answers(problem=f"{spec.file} must map question ids to answers")
    return Answers(values={str(k): v for k, v in parsed.items()})
