"""The assignments the API accepts: ``<assignments_dir>/<id>/assignment.yaml``.

Specs are loaded on first use and cached until their file changes.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from api.errors import ApiError
from grader.errors import SpecError
from grader.spec import NAME, Assignment, load_assignment

log = logging.getLogger(__name__)
ID = re.compile(NAME)


class Assignments:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._cache: dict[str, tuple[float, Assignment]] = {}
        self._lock = threading.Lock()

    def ids(self) -> list[str]:
        """Every assignment id in the folder, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if ID.match(p.name) and (p / "assignment.yaml").is_file()
        )

    def folder(self, assignment_id: str) -> Path:
        """The assignment's folder; 404 unless it holds an assignment.yaml."""
        folder = self.root / assignment_id
        if not ID.match(assignment_id) or not (folder / "assignment.yaml").is_file():
            raise ApiError(404, "unknown_assignment", f"no assignment {assignment_id!r}")
        return folder

    def spec(self, assignment_id: str) -> Assignment:
        folder = self.folder(assignment_id)
        mtime = (folder / "assignment.yaml").stat().st_mtime
        with self._lock:
            cached = self._cache.get(assignment_id)
            if cached and cached[0] == mtime:
                return cached[1]
        try:
            spec = load_assignment(folder)
        except SpecError as exc:
            log.error("assignment %s cannot be loaded: %s", assignment_id, exc)
            raise ApiError(
                503,
                "assignment_unavailable",
                f"assignment {assignment_id!r} cannot accept submissions now: its definition "
                "is invalid (the instructor has been told in the server log)",
            ) from None
        with self._lock:
            self._cache[assignment_id] = (mtime, spec)
        return spec
