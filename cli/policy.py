"""The instructors' commands of the course policy, over the service's HTTP API:

``grader extend --api URL --token TOKEN ASSIGNMENT STUDENT --due ISO`` gives a student a
new due (ISO 8601 with a time zone; the late window keeps its length after it), and
``... STUDENT --remove`` takes it back. ``grader publish --api URL --token TOKEN
ASSIGNMENT [--unpublish]`` publishes the assignment (its students see the tests marked
``after_published``), or withdraws that.

Exit status, as ``grader regrade``: 0 done, 2 refused (the API's message, or a due
without a time zone, on one line), 3 the service could not be reached or answered 5xx.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from cli import remote
from cli.client import GraderClient
from config import Settings
from grader.spec import aware_time


def register(commands: Any) -> None:
    """Add ``extend`` and ``publish`` to the ``grader`` command's subparsers."""
    settings = Settings.from_env()
    api = f"http://{settings.api.host}:{settings.api.port}"
    extend = commands.add_parser("extend", help="give a student a new due (instructors)")
    publish = commands.add_parser(
        "publish", help="publish an assignment: students see after_published tests"
    )
    for command in (extend, publish):
        remote.add_service_arguments(command, api)
        command.add_argument("assignment", help="assignment id, e.g. cs189_hw2")
    extend.add_argument("student", help="the student's name")
    change = extend.add_mutually_exclusive_group(required=True)
    change.add_argument("--due", help="the new due, with a time zone: 2026-12-12T23:59:00-08:00")
    change.add_argument("--remove", action="store_true", help="take the extension back")
    extend.set_defaults(run=run_extend)
    publish.add_argument("--unpublish", action="store_true", help="withdraw the publication")
    publish.set_defaults(run=run_publish)


def run_extend(args: argparse.Namespace, settings: Settings) -> int:
    if args.remove:
        return said(args, lambda client: removed(client, args))
    try:
        aware_time(args.due)
    except ValueError as exc:
        print(f"grader: error: --due: {exc}", file=sys.stderr)
        return 2
    return said(args, lambda client: extended(client, args))


def extended(client: GraderClient, args: argparse.Namespace) -> str:
    given = client.extend(args.assignment, args.student, args.due)
    return (
        f"{given['student']}'s due for {given['assignment_id']} is now {given['due']}; "
        f"their submissions close at {given['closes_at']}"
    )


def removed(client: GraderClient, args: argparse.Namespace) -> str:
    client.remove_extension(args.assignment, args.student)
    return f"{args.student}'s extension of {args.assignment} is taken back"


def run_publish(args: argparse.Namespace, settings: Settings) -> int:
    if args.unpublish:
        return said(args, lambda client: unpublished(client, args))
    return said(args, lambda client: published(client, args))


def published(client: GraderClient, args: argparse.Namespace) -> str:
    found = client.publish(args.assignment)
    return (
        f"{found['assignment_id']} published at {found['published_at']}: its students see "
        "the tests marked after_published"
    )


def unpublished(client: GraderClient, args: argparse.Namespace) -> str:
    found = client.unpublish(args.assignment)
    return f"{found['assignment_id']} unpublished: the after_published tests are withheld again"


def said(args: argparse.Namespace, action: Callable[[GraderClient], str]) -> int:
    """Run ``action`` against the service and print what it says (cli/remote.py)."""

    def run(client: GraderClient) -> int:
        print(action(client))
        return 0

    return remote.call(args, run)
