"""Fixtures of the integration tests: the browser harness of tests/integration/browser.py."""

from tests.integration.browser import chromium, new_page

__all__ = ["chromium", "new_page"]
