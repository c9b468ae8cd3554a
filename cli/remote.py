"""A command run against the grading service: its refusals and failures as exit codes.

Exit status: what the command returns when the service answered; 2 when it refused (a
4xx: the API's message on one line); 3 when it could not be reached, answered 5xx, or
did not finish in time (worth retrying).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import httpx

from cli.client import GraderClient, ServiceError


def add_service_arguments(command: argparse.ArgumentParser, api: str) -> None:
    """``--api`` and ``--token``, which every command that talks to the service takes."""
    command.add_argument("--api", default=api, help=f"the service's URL (default {api})")
    command.add_argument("--token", required=True, help="your bearer token")


def call(args: argparse.Namespace, action: Callable[[GraderClient], int]) -> int:
    """Run ``action`` with a client of ``args.api`` signed in with ``args.token``."""
    client = GraderClient.connect(args.api, args.token)
    try:
        return int(action(client))
    except ServiceError as exc:
        if exc.status < 500:
            print(f"grader: error: {' '.join(exc.message.split())}", file=sys.stderr)
            return 2
        print(f"grader: service error (try again): {exc.message}", file=sys.stderr)
        return 3
    except TimeoutError as exc:
        print(f"grader: gave up waiting ({exc}); it is still stored", file=sys.stderr)
        return 3
    except httpx.HTTPError as exc:
        print(f"grader: cannot reach the service at {args.api} (try again): {exc}", file=sys.stderr)
        return 3
    finally:
        client.close()
