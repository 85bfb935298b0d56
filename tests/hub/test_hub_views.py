"""alice's own data under JupyterHub: the widget and the lab panel, through the proxy, logged in
with the hub's OAuth cookies, drawing the pixels of the array."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np
import pytest
import zarr
from hub_login import BrowserLogin, log_in
from lab_driver import open_notebook, run_all, wait_idle, write_notebook
from test_lab_panel import PANEL, check_fitted_composite, open_lab, panel_idle
from test_notebook7 import protocol_api, record_protocol_requests
from test_notebook_widget import SAMPLE_VIEW_CELL, SPEC, check_sample_view_then_next_plane

if TYPE_CHECKING:
    from collections.abc import Iterator

    from hub_process import Hub
    from jupyter_process import JupyterProcess


@pytest.fixture(scope="module")
def alice(browser, hub: Hub, servers: dict[str, JupyterProcess]) -> Iterator[BrowserLogin]:
    login = log_in(browser, hub, "alice")
    yield login
    login.context.close()


@pytest.fixture
def page(alice: BrowserLogin, servers: dict[str, JupyterProcess], request) -> Iterator[Any]:
    page = alice.context.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    page.console_messages = messages
    request.node.console_messages = messages
    try:
        yield page
    finally:
        page.close()
        # Each notebook starts a kernel; two cores do not carry idle ones for the session.
        server = servers["alice"]
        for session in json.loads(server.api("api/sessions")):
            server.api(f"api/sessions/{session['id']}", method="DELETE")


@pytest.fixture(scope="module")
def levels(servers: dict[str, JupyterProcess]) -> list[np.ndarray]:
    group = zarr.open_group(str(servers["alice"].root / "sample.ome.zarr"), mode="r")
    arrays = [group[str(i)] for i in range(SPEC.levels)]
    assert all(isinstance(a, zarr.Array) for a in arrays)
    return [np.asarray(a) for a in arrays]


def assert_through_the_proxy(page: Any, hub: Hub, requests: list[str]) -> None:
    # The page is the proxy's, so every request it made went through the proxy under
    # /user/alice/, with the cookies the hub's OAuth set (the tests give it no token).
    assert page.url.startswith(hub.server_url("alice"))
    assert urlsplit(page.url).query.find("token=") == -1
    api = "/user/alice/zarrview/api/v1/"
    assert f"{api}info" in requests
    assert f"{api}tile" in requests


def test_widget_in_alices_lab_draws_her_array(page, hub, servers, levels):
    alice = servers["alice"]
    name = write_notebook(alice.root, [SAMPLE_VIEW_CELL])
    requests = record_protocol_requests(page, protocol_api(alice.url))
    open_notebook(page, alice.url, name)
    run_all(page)
    viewer = wait_idle(page, timeout=60_000)
    assert viewer.get_attribute("data-level") == "0"
    transport = page.evaluate(
        "() => document.querySelector('.zarrview').parentElement.dataset.transport"
    )
    assert transport == "http"
    assert_through_the_proxy(page, hub, requests)
    check_sample_view_then_next_plane(page, levels[0])


def test_lab_panel_opens_alices_zarr_folder_and_draws_it(page, hub, servers, levels):
    alice = servers["alice"]
    requests = record_protocol_requests(page, protocol_api(alice.url))
    open_lab(page, alice, "?reset")
    item = page.locator(".jp-DirListing-item", has_text="sample.ome.zarr")
    assert item.get_attribute("data-file-type") == "zarr"
    item.click(button="right")
    page.locator(".lm-Menu-item:visible", has_text="Open in ZarrView").click()
    panel_idle(page, timeout=60_000)
    assert page.locator(PANEL).count() == 1
    assert_through_the_proxy(page, hub, requests)
    check_fitted_composite(page, levels)
    assert json.loads(alice.api("api/sessions")) == []  # the panel needs no kernel
