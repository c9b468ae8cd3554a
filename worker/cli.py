"""Command line: ``grader grade ASSIGNMENT_DIR SUBMISSION_PATH [-o results.json]``.

Exit status: 0 when results were produced (whatever the score); 2 when the input
cannot be used (assignment or submission), with a one-line message; 3 when the
sandbox infrastructure failed (worth retrying).
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path

from grader.errors import InfrastructureError, SpecError, SubmissionError
from grader.feedback import summary_text
from grader.grading import Grader
from grader.submission import read_path
from sandbox.docker_sandbox import DockerSandbox
from worker.config import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader", description="Grade ML homework in a sandbox.")
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade one submission (a file or a folder)")
    grade.add_argument("assignment", type=Path, help="assignment folder holding assignment.yaml")
    grade.add_argument("submission", type=Path, help="the student's file or folder")
    grade.add_argument("-o", "--output", type=Path, help="write results.json here")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    try:
        grader = Grader.load(args.assignment, settings.cache_dir)
        files = read_path(args.submission, grader.assignment.submission)
        sandbox = DockerSandbox(settings.sandbox_image, settings.work_dir)
        results = grader.grade(files, sandbox, run_id=f"cli-{uuid.uuid4().hex[:12]}")
    except (SpecError, SubmissionError) as exc:
        print(f"grader: error: {exc}", file=sys.stderr)
        return 2
    except InfrastructureError as exc:
        print(f"grader: infrastructure error (try again): {exc}", file=sys.stderr)
        return 3
    text = json.dumps(results, indent=2)
    if args.output:
        args.output.write_text(text + "\n")
        print(summary_text(results))
        print(f"results written to {args.output}")
    else:
        print(summary_text(results), file=sys.stderr)
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
