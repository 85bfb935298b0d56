"""A real JupyterLab under a non-root base URL, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import json
import os
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Generator, Iterator
    from pathlib import Path

from browser_setup import CHROMIUM, CHROMIUM_ARGS, WEBGL2
from jupyter_process import JupyterProcess, jupyter_server

BASE_URL = "/user/alice/"
NOTEBOOK7_BASE_URL = "/user/bob/"


@pytest.fixture(autouse=True)
def jp_asyncio_loop() -> Iterator[asyncio.AbstractEventLoop]:
    # Playwright's sync API runs its own loop in this thread; pytest-jupyter's autouse loop
    # fixture would take that one and close it under it. A private loop keeps them apart.
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(autouse=True)
def jp_server_cleanup() -> None:
    # No server runs in this process here (JupyterLab is a subprocess): nothing to clean up.
    return


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lab-root")


@pytest.fixture(scope="session")
def lab(lab_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterProcess]:
    home = tmp_path_factory.mktemp("lab-home")
    # The tests reach the app as window.jupyterapp: its kernel, its commands.
    args = ["--LabApp.expose_app_in_browser=True"]
    with jupyter_server("jupyterlab", args, BASE_URL, lab_root, home) as server:
        yield server


@pytest.fixture(scope="session")
def notebook7_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("notebook7-root")


@pytest.fixture(scope="session")
def notebook7(
    notebook7_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[JupyterProcess]:
    """Jupyter Notebook 7, the other front end people open widgets in."""
    home = tmp_path_factory.mktemp("notebook7-home")
    # Notebook 7 exposes its app as JupyterLab does, under its own app's name.
    args = ["--JupyterNotebookApp.expose_app_in_browser=True"]
    with jupyter_server("notebook", args, NOTEBOOK7_BASE_URL, notebook7_root, home) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@contextmanager
def _browser_page(
    browser: object, server: JupyterProcess, request: pytest.FixtureRequest, start: str, ready: str
) -> Iterator[object]:
    """A fresh browser context logged in at ``server``'s page ``start``, shown when ``ready``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    context.add_init_script(WEBGL2)
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    page.console_messages = messages  # for failure reports
    request.node.console_messages = messages
    # The token in the first URL becomes a cookie; later navigations need no token.
    separator = "&" if "?" in start else "?"
    page.goto(f"{server.url}{start}{separator}token={server.token}")
    page.wait_for_selector(ready, timeout=60_000)
    try:
        yield page
    finally:
        context.close()
        # Each test's notebook starts a kernel; two cores do not carry a dozen idle ones.
        for session in json.loads(server.api("api/sessions")):
            server.api(f"api/sessions/{session['id']}", method="DELETE")


@pytest.fixture
def page(browser: object, lab: JupyterProcess, request: pytest.FixtureRequest) -> Iterator[object]:
    # A clean workspace: the last test's notebook must not come back and start its kernel.
    with _browser_page(browser, lab, request, "lab?reset", "#jp-main-dock-panel") as page:
        yield page


@pytest.fixture
def notebook7_page(
    browser: object, notebook7: JupyterProcess, request: pytest.FixtureRequest
) -> Iterator[object]:
    # Notebook 7's file browser page, its landing page.
    with _browser_page(browser, notebook7, request, "tree", ".jp-DirListing") as page:
        yield page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    messages = getattr(item, "console_messages", None)
    if report.failed and messages:
        report.sections.append(("browser console", "\n".join(messages[-60:])))
    return report
