"""Event streams are bounded per client (user and address) and in all; past either, 429."""

from __future__ import annotations

import asyncio
import json

import pytest
import zarr
from live_stream import open_events

NAME = "live-bounds.zarr"


@pytest.fixture
def jp_server_config(jp_server_config):
    live = jp_server_config.ZarrViewExtension
    live.live_streams_per_client = 2
    live.live_streams_total = 3
    live.live_watcher_linger = 0.2
    return jp_server_config


@pytest.fixture
def store(layout):
    if not (layout.root / NAME).exists():
        zarr.create_array(layout.root / NAME, shape=(2, 8, 8), chunks=(1, 8, 8), dtype="u1")[
            ...
        ] = 1
    return NAME


@pytest.fixture
def events(http_server_client, jp_http_port, jp_base_url):
    opened = []

    async def start(source_ip="127.0.0.1", **params):
        stream = await open_events(jp_http_port, jp_base_url, source_ip=source_ip, **params)
        opened.append(stream)
        return stream

    yield start
    for stream in opened:
        stream.close()


async def _hello(stream):
    assert stream.status == 200
    assert (await stream.next()).name == "hello"


async def test_429_past_the_streams_one_client_may_open(events, store):
    for _ in range(2):
        await _hello(await events(path=store))
    refused = await events(path=store)
    assert refused.status == 429
    body = json.loads(refused.body)
    assert body["parameter"] is None
    assert "this client" in body["error"]
    # The same user from another address is another client.
    await _hello(await events(source_ip="127.0.0.2", path=store))


async def test_429_past_the_streams_the_server_allows(events, store):
    await _hello(await events(path=store))
    await _hello(await events(path=store))
    await _hello(await events(source_ip="127.0.0.2", path=store))
    refused = await events(source_ip="127.0.0.3", path=store)
    assert refused.status == 429
    assert "the server" in json.loads(refused.body)["error"]


async def test_a_closed_stream_frees_its_place(events, store, jp_serverapp):
    hub = jp_serverapp.web_app.settings["zarrview_context"].live
    first = await events(path=store)
    await _hello(first)
    await _hello(await events(path=store))
    first.close()
    for _ in range(100):
        if hub.streams == 1:
            break
        await asyncio.sleep(0.02)
    await _hello(await events(path=store))


class TestSwitchedOff:
    @pytest.fixture
    def jp_server_config(self, jp_server_config):
        jp_server_config.ZarrViewExtension.live = False
        return jp_server_config

    async def test_403_when_live_data_is_switched_off(self, events, store):
        refused = await events(path=store)
        assert refused.status == 403
        assert json.loads(refused.body) == {
            "error": "live data is switched off on this server",
            "parameter": None,
        }
