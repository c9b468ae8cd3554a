"""The submissions a pre-flight check grades: the reference as a student, the starter,
and the reference with one variant's bug in it.

"The reference as a student" is every file of ``submission.files`` (and the answers
file, if the assignment has one) read from the reference module's folder; the starter
is the same files read from the assignment's ``starter/`` folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.spec import Assignment
from grader.spec.variants import Variant, file_of

STARTER_DIR = "starter"


@dataclass(frozen=True)
class Candidate:
    """The files of one submission, or what kept it from being made."""

    files: dict[str, bytes]
    problem: str = ""


def submitted_names(assignment: Assignment) -> list[str]:
    """The files a complete submission has: the required ones and the answers file."""
    extra = [assignment.answers.file] if assignment.answers else []
    return [
        *assignment.submission.files,
        *(n for n in extra if n not in assignment.submission.files),
    ]


def gather(folder: Path | None, assignment: Assignment) -> Candidate:
    """The submitted files, read from ``folder``; a missing one is named."""
    names = submitted_names(assignment)
    if folder is None or not folder.is_dir():
        return Candidate({}, f"there is no folder {folder}")
    files = {name: (folder / name).read_bytes() for name in names if (folder / name).is_file()}
    missing = [name for name in names if name not in files]
    if missing:
        plural = "s are" if len(missing) > 1 else " is"
        return Candidate(files, f"the file{plural} missing from {folder}: {', '.join(missing)}")
    return Candidate(files)


def with_variant(reference: Candidate, variant: Variant, assignment: Assignment) -> Candidate:
    """The reference's files with the variant's ``old`` text replaced by ``new``; it must
    occur exactly once."""
    name = file_of(variant, assignment)
    if name not in reference.files:
        return Candidate({}, f"the reference has no {name} to change")
    try:
        text = reference.files[name].decode("utf-8")
    except UnicodeDecodeError:
        return Candidate({}, f"{name} is not UTF-8 text")
    count = text.count(variant.old)
    if count != 1:
        where = "does not occur" if count == 0 else f"occurs {count} times"
        return Candidate({}, f"its old text {where} in {name}")
    changed = text.replace(variant.old, variant.new).encode("utf-8")
    return Candidate({**reference.files, name: changed})
