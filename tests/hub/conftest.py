"""One real JupyterHub for the session: proxy, password login, alice's and bob's servers."""

from __future__ import annotations

import asyncio
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# The browser tests' helpers (pixels, notebooks, the sample) are reused by import, under the
# same module names the browser tests give them.
BROWSER_TESTS = str(Path(__file__).resolve().parents[1] / "browser")
if BROWSER_TESTS not in sys.path:
    sys.path.insert(0, BROWSER_TESTS)

from browser_setup import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from hub_process import Hub, jupyterhub  # noqa: E402
from hub_users import USERS, prepare_home  # noqa: E402
from jupyter_process import JupyterProcess  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Generator, Iterator


@pytest.fixture(autouse=True)
def jp_asyncio_loop() -> Iterator[asyncio.AbstractEventLoop]:
    # As in tests/browser: Playwright's sync API runs its own loop in this thread, which
    # pytest-jupyter's autouse loop fixture would take and close.
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(autouse=True)
def jp_server_cleanup() -> None:
    # No Jupyter server runs in this process here: nothing to clean up.
    return


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    with jupyterhub(tmp_path_factory.mktemp("jupyterhub"), secrets.token_urlsafe(12)) as running:
        yield running


@pytest.fixture(scope="session")
def servers(hub: Hub) -> Iterator[dict[str, JupyterProcess]]:
    """alice's and bob's servers, each with an API token of its user's from the hub's API."""
    for user in USERS:
        prepare_home(hub.home(user), user)
    tokens = {user: hub.request_token(user, note="zarrview hub tests") for user in USERS}
    hub.start_servers(tokens)
    try:
        yield {
            user: JupyterProcess(url=hub.server_url(user), token=tokens[user], root=hub.home(user))
            for user in USERS
        }
    finally:
        hub.stop_servers(tokens)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # One Playwright per module, stopped when the module ends: tests/browser starts its own
    # for the rest of the session, and two cannot run in one thread at once.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    messages = getattr(item, "console_messages", None)
    if report.failed and messages:
        report.sections.append(("browser console", "\n".join(messages[-60:])))
    hub = getattr(item, "funcargs", {}).get("hub")
    if report.failed and isinstance(hub, Hub) and hub.log.exists():
        report.sections.append(("jupyterhub log", hub.log.read_text()[-4000:]))
    return report
