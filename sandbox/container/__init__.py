"""The code that runs inside the sandbox container (docs/sandbox-contract.md).

``runner`` is PID 1; ``child`` is what a forked test process runs; ``isolation``
forks, collects and cleans up; ``fixtures`` reads the fixture folder. The in-process
fake (sandbox.inprocess) runs the same loop and child code with another isolation.

Every file of this package is copied into the container (see
sandbox.staging.CONTAINER_FILES): standard library, NumPy and each other only.
"""
