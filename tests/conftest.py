"""Shared test setup: jupyter_server's pytest fixtures (``jp_fetch``, ``jp_serverapp``...)."""

from __future__ import annotations

pytest_plugins = ["jupyter_server.pytest_plugin"]
