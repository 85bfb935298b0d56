"""The events endpoint tells views what a writer changed: growth, rewritten chunks, a store gone.

Each test writes with zarr-python, as a job would, while a real socket reads the event stream;
every wait has a deadline.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import zarr
from live_stream import open_events
from server_helpers import tile_array

POLL = 0.2


@pytest.fixture
def jp_server_config(jp_server_config):
    live = jp_server_config.ZarrViewExtension
    live.live_poll_interval = POLL
    live.live_keep_alive = 1.0
    live.live_watcher_linger = 0.5
    # Polling alone, as a writer on another node of a network file system is seen.
    live.live_file_events = False
    return jp_server_config


@pytest.fixture
def events(http_server_client, jp_http_port, jp_base_url):
    """``await events(path=...)``: an open event stream, closed at the test's end."""
    opened = []

    async def start(**params):
        stream = await open_events(jp_http_port, jp_base_url, **params)
        opened.append(stream)
        return stream

    yield start
    for stream in opened:
        stream.close()


@pytest.fixture
def hub(jp_serverapp):
    return jp_serverapp.web_app.settings["zarrview_context"].live


@pytest.fixture
def name(layout, request):
    """A store name of this test's own under the root dir."""
    text = f"live-{request.node.name}.zarr".replace("[", "-").replace("]", "")
    shutil.rmtree(layout.root / text, ignore_errors=True)
    return text


def _frames(count: int, size: int = 32) -> np.ndarray:
    return np.arange(count * size * size, dtype=np.uint16).reshape(count, size, size) + 1


async def test_a_stream_says_hello_with_the_version_and_the_validator_key(
    events, layout, name, api
):
    zarr.create_array(layout.root / name, shape=(2, 32, 32), chunks=(1, 16, 16), dtype="u2")[
        ...
    ] = _frames(2)
    stream = await events(path=name)
    assert stream.status == 200
    assert stream.headers["content-type"] == "text/event-stream"
    assert stream.headers["cache-control"] == "no-store"
    hello = await stream.next()
    assert hello.name == "hello"
    info = json.loads((await api("info", path=name)).body)
    assert hello.data["version"].split(".")[0] == info["version"].split(".")[0]
    assert isinstance(hello.data["key"], str)
    assert hello.data["key"]


@pytest.mark.parametrize(
    ("params", "status", "parameter"),
    [
        ({"path": "no-such.zarr"}, 404, "path"),
        ({"path": "../outside.zarr"}, 403, "path"),
        ({}, 400, "path"),
    ],
)
async def test_a_bad_path_is_refused_as_info_refuses_it_before_any_event(
    events, params, status, parameter
):
    stream = await events(**params)
    assert stream.status == status
    body = json.loads(stream.body)
    assert body["parameter"] == parameter
    assert body["error"]


async def test_401_or_403_without_credentials(http_server_client, jp_http_port, jp_base_url):
    stream = await open_events(jp_http_port, jp_base_url, token=None, path="anything.zarr")
    assert stream.status in (401, 403)
    assert b"event:" not in stream.body


async def test_growth_of_a_v3_array_is_a_change_with_the_new_shape(events, layout, name):
    arr = zarr.create_array(layout.root / name, shape=(2, 32, 32), chunks=(1, 16, 16), dtype="u2")
    arr[...] = _frames(2)
    stream = await events(path=name)
    assert (await stream.next()).name == "hello"
    arr.resize((3, 32, 32))
    arr[2] = 9
    change = await stream.next(5)
    assert change.name == "change"
    assert change.data["metadata"] is True
    assert change.data["info"]["levels"][0]["shape"] == [3, 32, 32]
    assert change.data["version"] == change.data["info"]["version"]


async def test_a_plane_rewritten_in_place_is_a_box_over_that_plane_only(events, layout, name, api):
    arr = zarr.create_array(
        layout.root / name, shape=(3, 32, 32), chunks=(1, 16, 16), dtype="u2", zarr_format=2
    )
    arr[...] = _frames(3)
    stream = await events(path=name)
    assert (await stream.next()).name == "hello"
    for t in range(3):  # the view shows every plane, so every plane's chunks are watched
        assert (await api("tile", path=name, sel=f"{t},:,:")).code == 200
    await stream.quiet(3 * POLL)
    arr[1] = 4242
    change = await stream.next(5)
    assert change.name == "change"
    assert change.data["metadata"] is False
    assert "info" not in change.data
    [level] = change.data["levels"]
    assert level["level"] == 0
    boxes = sorted(level["boxes"])
    assert boxes == sorted([[[1, y, x], [2, y + 16, x + 16]] for y in (0, 16) for x in (0, 16)])
    # The tile over it answers the new bytes.
    tile = await api("tile", path=name, sel="1,:,:")
    assert np.all(tile_array(tile) == 4242)


async def test_a_presized_array_filled_frame_by_frame_tells_of_the_frame_on_screen(
    events, layout, name, api
):
    arr = zarr.create_array(
        layout.root / name, shape=(8, 32, 32), chunks=(1, 32, 32), dtype="u2", fill_value=0
    )
    arr[0] = 1
    stream = await events(path=name)
    assert (await stream.next()).name == "hello"
    empty = await api("tile", path=name, sel="1,:,:")  # on screen, not written yet
    assert np.all(tile_array(empty) == 0)
    await stream.quiet(3 * POLL)
    arr[1] = 7
    arr[2] = 8  # not on screen: nobody asked for its tiles
    change = await stream.next(5)
    assert change.data["metadata"] is False
    assert change.data["levels"] == [{"level": 0, "boxes": [[[1, 0, 0], [2, 32, 32]]]}]
    assert await stream.quiet(4 * POLL) == []
    tile = await api("tile", path=name, sel="1,:,:")
    assert np.all(tile_array(tile) == 7)


async def test_half_written_metadata_is_ignored_until_it_reads_whole(events, layout, name):
    arr = zarr.create_array(
        layout.root / name, shape=(2, 32, 32), chunks=(1, 16, 16), dtype="u2", zarr_format=2
    )
    arr[...] = _frames(2)
    meta_path = layout.root / name / ".zarray"
    whole = json.loads(meta_path.read_text())
    stream = await events(path=name)
    assert (await stream.next()).name == "hello"
    text = json.dumps({**whole, "shape": [3, 32, 32]})
    meta_path.write_text(text[: len(text) // 2])  # a writer caught half-way
    assert await stream.quiet(5 * POLL) == []
    meta_path.write_text(text)
    change = await stream.next(5)
    assert change.data["metadata"] is True
    assert change.data["info"]["levels"][0]["shape"] == [3, 32, 32]


async def test_a_store_removed_is_gone_and_recreated_is_a_change(events, layout, name):
    path = layout.root / name
    zarr.create_array(path, shape=(2, 32, 32), chunks=(1, 16, 16), dtype="u2")[...] = _frames(2)
    stream = await events(path=name)
    assert (await stream.next()).name == "hello"
    shutil.rmtree(path)
    gone = await stream.next(5)
    assert gone.name == "gone"
    assert gone.data == {"error": "the store was removed", "parameter": "path"}
    assert await stream.quiet(3 * POLL) == []  # said once
    zarr.create_array(path, shape=(5, 32, 32), chunks=(1, 16, 16), dtype="u2")[...] = _frames(5)
    back = await stream.next(5)
    assert back.name == "change"
    assert back.data["metadata"] is True
    assert back.data["info"]["levels"][0]["shape"] == [5, 32, 32]


async def test_silence_is_kept_alive_by_comments_only(events, layout, name):
    zarr.create_array(layout.root / name, shape=(2, 32, 32), chunks=(1, 16, 16), dtype="u2")[
        ...
    ] = _frames(2)
    stream = await events(path=name)
    assert (await stream.next()).name == "hello"
    assert await stream.quiet(2.5) == []
    assert stream.comments.count("keep-alive") >= 2


async def test_twenty_views_of_a_dataset_share_one_watcher_which_stops_after_them(
    events, layout, name, hub
):
    import asyncio

    zarr.create_array(layout.root / name, shape=(2, 32, 32), chunks=(1, 16, 16), dtype="u2")[
        ...
    ] = _frames(2)
    streams = [await events(path=name) for _ in range(20)]
    for stream in streams:
        assert (await stream.next()).name == "hello"
    assert len(hub.watchers) == 1
    assert hub.streams == 20
    for stream in streams:
        stream.close()
    for _ in range(100):  # the linger (0.5 s) and a poll, within a bounded wait
        if not hub.watchers and hub.streams == 0:
            break
        await asyncio.sleep(0.05)
    assert hub.streams == 0
    assert hub.watchers == {}


async def test_an_idle_watcher_stats_a_bounded_set_of_files_at_little_cost(
    events, layout, name, hub, api
):
    import asyncio

    arr = zarr.create_array(
        layout.root / name, shape=(4, 64, 64), chunks=(1, 16, 16), dtype="u2", zarr_format=2
    )
    arr[...] = np.ones((4, 64, 64), dtype="u2")
    stream = await events(path=name)
    assert (await stream.next()).name == "hello"
    for y in range(0, 64, 32):  # 4 tiles of 32 x 32 on screen: 16 chunk files
        for x in range(0, 64, 32):
            assert (await api("tile", path=name, sel=f"0,{y}:{y + 32},{x}:{x + 32}")).code == 200
    [watcher] = hub.watchers.values()
    await asyncio.sleep(3 * POLL)
    polls, cpu = watcher.polls, watcher.cpu_seconds
    await asyncio.sleep(2.0)
    assert watcher.polls - polls >= 5
    # The root's metadata keys (3), the array's (3), and the 16 chunk files.
    assert watcher.last_stats == 3 + 3 + 16
    per_poll = (watcher.cpu_seconds - cpu) / (watcher.polls - polls)
    assert per_poll < 0.005, per_poll
    assert await stream.quiet(0.1) == []


async def test_streams_end_when_the_server_stops_watching(events, layout, name, hub):
    from tornado.iostream import StreamClosedError

    zarr.create_array(layout.root / name, shape=(2, 32, 32), chunks=(1, 16, 16), dtype="u2")[
        ...
    ] = _frames(2)
    stream = await events(path=name)
    assert (await stream.next()).name == "hello"
    await hub.shutdown()  # what the extension's stop does
    with pytest.raises(StreamClosedError):
        await stream.next(5)
    assert stream.ended
