"""Shared test setup: jupyter_server's pytest fixtures (``jp_fetch``, ``jp_serverapp``...)."""

from __future__ import annotations

pytest_plugins = ["jupyter_server.pytest_plugin"]


def pytest_collection_modifyitems(items: list) -> None:
    # Browser tests run last: Playwright's sync API keeps an event loop running in this thread
    # until the session ends, and the in-process server tests need their own.
    items.sort(key=lambda item: "tests/browser/" in str(item.path).replace("\\", "/"))
