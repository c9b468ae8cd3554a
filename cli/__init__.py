"""The ``grader`` command (cli/main.py): grade locally in a sandbox, or submit to and
regrade on the grading service through its HTTP API (cli/client.py), following the
grading from the terminal (cli/progress.py)."""
