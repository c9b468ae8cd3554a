"""Removing sandbox containers that no attempt will ever clean up.

A worker killed mid-grade leaves its container behind. The job's next attempt
removes it first (``Leftovers.remove_group``, sandbox/leftovers.py), but a job with no next attempt
(failed after too many attempts, or graded by another attempt meanwhile) would
keep it forever. The sweep calls ``reap`` to remove the containers of every job
that is finished in the store; a job still queued or running keeps its own.
"""

from __future__ import annotations

from typing import Protocol

from store import SubmissionStore

# Seconds after its exit that a sandbox container no one removed is swept: a warm
# container whose worker was killed stops waiting (GRADER_POOL_IDLE) and exits.
STALE_AFTER = 600.0


class Containers(Protocol):
    """What the janitor needs of a sandbox engine (sandbox.leftovers.Leftovers has both)."""

    def groups(self) -> set[str]: ...
    def remove_group(self, group: str) -> None: ...


def reap(store: SubmissionStore, containers: Containers) -> list[str]:
    """Remove the containers of finished jobs; returns their job ids. Groups that
    are not jobs of this store (another deployment on the same engine) are left."""
    reaped = []
    for group in sorted(containers.groups()):
        job = store.job(group)
        if job is not None and job.status.finished:
            containers.remove_group(group)
            reaped.append(group)
    return reaped
