"""A writer on this machine wakes the watcher through filesystem events, long before its poll."""

from __future__ import annotations

import asyncio
import shutil
import time

import numpy as np
import pytest
import zarr
from live_stream import open_events
from server_helpers import tile_array

pytest.importorskip("watchfiles")

# Far longer than any wait below: an event seen in time came from the filesystem, not a poll.
POLL = 60.0


@pytest.fixture
def jp_server_config(jp_server_config):
    live = jp_server_config.ZarrViewExtension
    live.live_poll_interval = POLL
    live.live_file_events = True
    live.live_watcher_linger = 0.2
    return jp_server_config


@pytest.fixture
def name(layout, request):
    text = f"live-{request.node.name}.zarr".replace("[", "-").replace("]", "")
    shutil.rmtree(layout.root / text, ignore_errors=True)
    return text


@pytest.fixture
def events(http_server_client, jp_http_port, jp_base_url):
    opened = []

    async def start(**params):
        stream = await open_events(jp_http_port, jp_base_url, **params)
        opened.append(stream)
        assert (await stream.next()).name == "hello"
        return stream

    yield start
    for stream in opened:
        stream.close()


async def test_a_chunk_rewritten_here_is_told_within_a_second(events, layout, name, api):
    arr = zarr.create_array(
        layout.root / name, shape=(2, 32, 32), chunks=(1, 32, 32), dtype="u2", zarr_format=2
    )
    arr[...] = 1
    stream = await events(path=name)
    assert (await api("tile", path=name, sel="1,:,:")).code == 200
    await asyncio.sleep(0.3)  # the watcher learns of the tile's folder on its next look
    arr[1] = 6
    written = time.monotonic()
    change = await stream.next(5)
    assert time.monotonic() - written < 1.0
    assert change.data["levels"] == [{"level": 0, "boxes": [[[1, 0, 0], [2, 32, 32]]]}]
    assert np.all(tile_array(await api("tile", path=name, sel="1,:,:")) == 6)


async def test_growth_of_a_v3_array_is_told_frame_after_frame(events, layout, name):
    arr = zarr.create_array(layout.root / name, shape=(1, 16, 16), chunks=(1, 16, 16), dtype="u1")
    arr[...] = 1
    stream = await events(path=name)
    for frames in (2, 3):
        arr.resize((frames, 16, 16))
        arr[frames - 1] = frames
        change = await stream.next(5)
        assert change.data["metadata"] is True
        assert change.data["info"]["levels"][0]["shape"] == [frames, 16, 16]
