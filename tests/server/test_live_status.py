"""``api/v1/live`` tells the watchers the server runs: one per dataset, however many streams."""

from __future__ import annotations

import asyncio
import json

import pytest
import zarr
from live_stream import open_events
from server_helpers import error_of

LINGER = 0.3
VIEWS = 20


@pytest.fixture
def jp_server_config(jp_server_config):
    live = jp_server_config.ZarrViewExtension
    live.live_watcher_linger = LINGER
    live.live_poll_interval = 0.2
    return jp_server_config


@pytest.fixture
def stores(layout):
    """A plain array, and a group with an array in it, under the root dir."""
    if not (layout.root / "live-status-a.zarr").exists():
        a = zarr.create_array(
            layout.root / "live-status-a.zarr", shape=(2, 8, 8), chunks=(1, 8, 8), dtype="u1"
        )
        a[...] = 1
        group = zarr.open_group(layout.root / "live-status-b.zarr", mode="w")
        group.create_array("frames", shape=(2, 8, 8), chunks=(1, 8, 8), dtype="u1")[...] = 2
    return "live-status-a.zarr", "live-status-b.zarr"


@pytest.fixture
def events(http_server_client, jp_http_port, jp_base_url):
    opened = []

    async def start(**params):
        stream = await open_events(jp_http_port, jp_base_url, **params)
        opened.append(stream)
        assert stream.status == 200, stream.body
        assert (await stream.next()).name == "hello"
        return stream

    yield start
    for stream in opened:
        stream.close()


async def _status(api) -> dict:
    response = await api("live")
    assert response.code == 200, response.body
    assert response.headers["Cache-Control"] == "no-store"
    return json.loads(response.body)


async def _until(api, wanted, seconds: float = 10.0) -> dict:
    """The status once ``wanted(status)`` holds; fails with the last one past ``seconds``."""
    status = await _status(api)
    for _ in range(int(seconds / 0.1)):
        if wanted(status):
            return status
        await asyncio.sleep(0.1)
        status = await _status(api)
    raise AssertionError(f"not reached in {seconds} s: {status}")


async def test_twenty_streams_of_one_dataset_run_one_watcher(api, events, stores):
    a, b = stores
    assert await _status(api) == {"watchers": 0, "streams": 0, "datasets": []}
    streams = await asyncio.gather(*(events(path=a) for _ in range(VIEWS)))
    # Another dataset named as a client names it: a store and an array inside it.
    other = await events(path=b, array="frames")
    status = await _status(api)
    assert status == {
        "watchers": 2,
        "streams": VIEWS + 1,
        "datasets": [
            {"path": a, "array": None, "streams": VIEWS},
            {"path": b, "array": "frames", "streams": 1},
        ],
    }
    other.close()
    status = await _until(api, lambda s: s["watchers"] == 1)
    assert status == {
        "watchers": 1,
        "streams": VIEWS,
        "datasets": [{"path": a, "array": None, "streams": VIEWS}],
    }
    for stream in streams:
        stream.close()
    # The streams end as their sockets close; the watcher a little after the last one.
    status = await _until(api, lambda s: s["streams"] == 0)
    assert status["datasets"] in ([], [{"path": a, "array": None, "streams": 0}])
    status = await _until(api, lambda s: s["watchers"] == 0, seconds=LINGER + 5)
    assert status == {"watchers": 0, "streams": 0, "datasets": []}


async def test_a_store_named_by_another_spelling_is_the_same_watcher(api, events, stores):
    a, _ = stores
    await events(path=a)
    await events(path=f"./{a}/")
    status = await _status(api)
    assert status["watchers"] == 1
    assert status["datasets"] == [{"path": a, "array": None, "streams": 2}]


async def test_403_without_credentials(api, stores):
    response = await api("live", headers={"Authorization": ""})
    assert response.code == 403
    assert "Cache-Control" in response.headers


class TestSwitchedOff:
    @pytest.fixture
    def jp_server_config(self, jp_server_config):
        jp_server_config.ZarrViewExtension.live = False
        return jp_server_config

    async def test_403_when_live_data_is_switched_off(self, api):
        response = await api("live")
        assert response.code == 403
        assert error_of(response) == {
            "error": "live data is switched off on this server",
            "parameter": None,
        }
