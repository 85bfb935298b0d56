"""A Jupyter server with the extension on, over a root dir of real stores written once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fuzz_tally import summary
from server_data import Layout, build
from server_helpers import MAX_TILE_ELEMENTS, TOKEN, any_status
from traitlets.config import Config

from jupyter_zarrview.engine import Engine

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from _pytest.terminal import TerminalReporter
    from tornado.httpclient import HTTPResponse


@pytest.fixture(scope="session")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    return build(tmp_path_factory.mktemp("zarrview"))


@pytest.fixture
def jp_base_url() -> str:
    # JupyterHub's shape. (pytest-jupyter's default, "/a%40b/", is one that aiohttp, hence fsspec,
    # rewrites to "/a@b/", so the server could not read its own store URLs in the allow-list test.)
    return "/user/alice/"


@pytest.fixture
def jp_root_dir(layout: Layout) -> Path:
    return layout.root


@pytest.fixture
def jp_server_config(layout: Layout, jp_http_port: int) -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"jupyter_zarrview": True}},
            "IdentityProvider": {"token": TOKEN},
            "ZarrViewExtension": {
                "extra_roots": [str(layout.extra)],
                # The server's own store endpoint stands in for a remote HTTP store.
                "remote_allowlist": [f"http://127.0.0.1:{jp_http_port}/"],
                "storage_options": {"http": {"headers": {"Authorization": f"token {TOKEN}"}}},
                "max_tile_elements": MAX_TILE_ELEMENTS,
                "max_workers": 4,
            },
        }
    )


@pytest.fixture
def api(jp_fetch):
    """``await api(op, **params)``: the response, whatever its status."""

    async def call(
        op: str,
        headers: dict[str, str] | None = None,
        decompress_response: bool = True,
        **params: str,
    ) -> HTTPResponse:
        return await any_status(
            jp_fetch(
                "zarrview",
                "api",
                "v1",
                op,
                params=params,
                headers=headers or {},
                decompress_response=decompress_response,
            )
        )

    return call


@pytest.fixture
def raw(http_server_client, jp_auth_header, jp_base_url):
    """``await raw(url_tail)``: GET a URL under the base URL exactly as written (no escaping)."""

    async def fetch(tail: str, headers: dict[str, str] | None = None, **kwargs) -> HTTPResponse:
        return await any_status(
            http_server_client.fetch(
                jp_base_url + tail, headers={**jp_auth_header, **(headers or {})}, **kwargs
            )
        )

    return fetch


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    """An engine of the tests' own, for calling the protocol without the server."""
    engine = Engine(cache_bytes=2**20, max_workers=2)
    yield engine
    engine.close()


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    # The fuzz tests' requests by endpoint and status: how much was tried, and what came back.
    lines = summary()
    if lines:
        terminalreporter.section("zarrview fuzz requests")
        for line in lines:
            terminalreporter.write_line(line)
