"""The HTTP API of the grading service (FastAPI): ``python -m api`` serves it.

It stores an upload (``store.SQLiteStore``) before it queues it, so a 202 means the
submission is durable; see docs/api.md for the contract.
"""
