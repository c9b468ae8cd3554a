"""``python -m api``: serve the API with uvicorn on GRADER_API_HOST:GRADER_API_PORT
(127.0.0.1:8000 by default)."""

from __future__ import annotations

import logging

import uvicorn

from api.wiring import default_app
from config import Settings


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings.from_env()
    uvicorn.run(default_app(), host=settings.api.host, port=settings.api.port, log_level="info")


if __name__ == "__main__":
    main()
