"""Command line.

``grader grade ASSIGNMENT_DIR SUBMISSION_PATH [-o results.json]`` grades locally, in a
sandbox. Exit status: 0 when results were produced (whatever the score); 2 when the
input cannot be used (assignment or submission), with a one-line message; 3 when the
sandbox infrastructure failed (worth retrying).

``grader submit --api URL --token TOKEN ASSIGNMENT_ID FILES...`` uploads to the grading
service, shows the status changes on one line (stderr), then prints the feedback.
Exit status: 0 graded, 1 failed (with the reason), 2 refused (a 4xx: the error in one
line), 3 the service could not be reached, answered 5xx, or did not finish in time.

``grader regrade --api URL --token TOKEN ASSIGNMENT_ID`` (instructors) regrades every
student's latest submission with a progress bar (stderr). Exit status: 0 all graded,
1 some gradings failed, 2 refused, 3 as above.

``grader check ASSIGNMENT_DIR`` (cli/check.py, docs/check.md): the pre-flight check of an
assignment; exit status 0 nothing failed, 1 a finding failed, 2 unusable input, 3 as above.

``grader new ID [--dir DIR]`` (cli/scaffold.py) writes the skeleton of a new assignment, a
small working one to edit, into DIR (default ./ID). Exit status: 0 written, 2 a bad id or
a folder that is not empty (nothing written).

``grader schema [-o FILE]`` (cli/scaffold.py) prints or writes the JSON Schema of
assignment.yaml, for editors. Exit status: 0, or 2 when FILE cannot be written.

``grader extend ... ASSIGNMENT STUDENT --due ISO|--remove`` and ``grader publish ...
ASSIGNMENT [--unpublish]`` (cli/policy.py, instructors): extensions and publication.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from types import ModuleType

from cli import check, policy, remote, scaffold
from cli.client import GraderClient
from cli.progress import Polling, follow_regrade, follow_submission
from config import Settings
from grader.errors import InfrastructureError, SpecError, SubmissionError
from grader.feedback import summary_text
from grader.grading import Grader
from grader.submission import read_path
from sandbox.docker_sandbox import DockerSandbox
from store.records import JobStatus

# Modules that add commands: each has ``register(commands)``, which adds its subparsers
# with ``set_defaults(run=FUNCTION)``; FUNCTION(args, settings) returns the exit status.
COMMAND_MODULES: tuple[ModuleType, ...] = (check, scaffold, policy)


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description="Grade ML homework in a sandbox.")
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade one submission (a file or a folder)")
    grade.add_argument("assignment", type=Path, help="assignment folder holding assignment.yaml")
    grade.add_argument("submission", type=Path, help="the student's file or folder")
    grade.add_argument("-o", "--output", type=Path, help="write results.json here")
    api = f"http://{settings.api.host}:{settings.api.port}"
    submit = commands.add_parser("submit", help="submit files to the grading service and wait")
    regrade = commands.add_parser("regrade", help="regrade an assignment (instructors)")
    for command in (submit, regrade):
        remote.add_service_arguments(command, api)
        command.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        command.add_argument("--timeout", type=float, default=1800, help="seconds to wait at most")
        command.add_argument("assignment", help="assignment id, e.g. cs189_hw2")
    submit.add_argument("files", type=Path, nargs="+", help="the files, or one .zip")
    submit.set_defaults(remote=submit_remotely)
    regrade.set_defaults(remote=regrade_remotely)
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    args = build_parser(settings).parse_args(argv)
    if args.command == "grade":
        return grade_locally(args, settings)
    if hasattr(args, "run"):  # a command of a module in COMMAND_MODULES
        return int(args.run(args, settings))
    return call_service(args)


def call_service(args: argparse.Namespace) -> int:
    """Run ``args.remote`` against the service (cli/remote.py: refusals as exit codes)."""
    return remote.call(args, lambda client: args.remote(client, args))


def grade_locally(args: argparse.Namespace, settings: Settings) -> int:
    try:
        grader = Grader.load(args.assignment, settings.cache_dir)
        files = read_path(args.submission, grader.assignment.submission)
        sandbox = DockerSandbox(settings.worker.sandbox_image, settings.worker.work_dir)
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


def submit_remotely(client: GraderClient, args: argparse.Namespace) -> int:
    try:
        files = [(path.name, path.read_bytes()) for path in args.files]
    except OSError as exc:
        print(f"grader: error: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    accepted = client.submit(args.assignment, files)
    polling = Polling(args.interval, args.timeout)
    record = follow_submission(client, accepted["id"], sys.stderr, polling)
    if record["status"] == JobStatus.FAILED:
        print(f"grader: grading failed: {record['message']}", file=sys.stderr)
        return 1
    print(summary_text(record["results"]))
    return 0


def regrade_remotely(client: GraderClient, args: argparse.Namespace) -> int:
    started = client.regrade(args.assignment)
    count = started["jobs"]
    print(
        f"regrade {started['regrade_id']}: {count} latest submission{'s' * (count != 1)}",
        file=sys.stderr,
    )
    polling = Polling(args.interval, args.timeout)
    progress = follow_regrade(client, started["regrade_id"], sys.stderr, polling)
    if progress["failed"]:
        print(f"grader: {progress['failed']} gradings failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
