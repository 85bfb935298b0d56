"""Live events from the other writers and layouts: tensorstore shards, OME attributes, remote."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import tensorstore as ts
import zarr
from live_stream import open_events
from server_helpers import tile_array

POLL = 0.2


@pytest.fixture
def jp_server_config(jp_server_config):
    live = jp_server_config.ZarrViewExtension
    live.live_poll_interval = POLL
    live.live_remote_poll_interval = POLL
    live.live_watcher_linger = 0.3
    return jp_server_config


@pytest.fixture
def events(http_server_client, jp_http_port, jp_base_url):
    opened = []

    async def start(**params):
        stream = await open_events(jp_http_port, jp_base_url, **params)
        opened.append(stream)
        assert stream.status == 200, stream.body
        hello = await stream.next()
        assert hello.name == "hello"
        return stream

    yield start
    for stream in opened:
        stream.close()


@pytest.fixture
def name(layout, request):
    text = f"live-{request.node.name}.zarr".replace("[", "-").replace("]", "")
    shutil.rmtree(layout.root / text, ignore_errors=True)
    return text


def _sharded(path, shape):
    return ts.open(
        {
            "driver": "zarr3",
            "kvstore": {"driver": "file", "path": str(path)},
            "metadata": {
                "shape": list(shape),
                "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2, 16, 16]}},
                "data_type": "uint16",
                "codecs": [
                    {
                        "name": "sharding_indexed",
                        "configuration": {
                            "chunk_shape": [1, 8, 8],
                            "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
                            "index_codecs": [
                                {"name": "bytes", "configuration": {"endian": "little"}},
                                {"name": "crc32c"},
                            ],
                        },
                    }
                ],
            },
        },
        create=True,
    ).result()


async def test_tensorstore_shards_flushed_and_resized_are_told(events, layout, name, api):
    store = _sharded(layout.root / name, (4, 32, 32))
    store[0:2].write(np.full((2, 32, 32), 3, dtype=np.uint16)).result()
    stream = await events(path=name)
    # The view shows frame 2, whose shard is not written yet.
    empty = await api("tile", path=name, sel="2,0:16,0:16")
    assert np.all(tile_array(empty) == 0)
    await stream.quiet(3 * POLL)
    store[2:4, 0:16, 0:16].write(np.full((2, 16, 16), 5, dtype=np.uint16)).result()
    change = await stream.next(5)
    assert change.data["metadata"] is False
    # The box is the whole shard: frames 2 and 3, the first 16 x 16.
    assert change.data["levels"] == [{"level": 0, "boxes": [[[2, 0, 0], [4, 16, 16]]]}]
    assert np.all(tile_array(await api("tile", path=name, sel="2,0:16,0:16")) == 5)
    # Growth by tensorstore's resize: a metadata change with the new shape.
    store = store.resize(exclusive_max=(6, 32, 32)).result()
    grown = await stream.next(5)
    assert grown.data["metadata"] is True
    assert grown.data["info"]["levels"][0]["shape"] == [6, 32, 32]


def _ome(path, scale):
    root = zarr.open_group(str(path), mode="a", zarr_format=2)
    if "0" not in root:
        root.create_array("0", shape=(2, 16, 16), chunks=(1, 16, 16), dtype="u1")[...] = 1
    root.attrs["multiscales"] = [
        {
            "version": "0.4",
            "axes": [
                {"name": "t", "type": "time"},
                {"name": "y", "type": "space", "unit": "micrometer"},
                {"name": "x", "type": "space", "unit": "micrometer"},
            ],
            "datasets": [
                {"path": "0", "coordinateTransformations": [{"type": "scale", "scale": scale}]}
            ],
        }
    ]


async def test_ome_attributes_rewritten_are_a_change_with_the_new_description(events, layout, name):
    _ome(layout.root / name, [1.0, 0.5, 0.5])
    stream = await events(path=name)
    _ome(layout.root / name, [1.0, 0.25, 0.25])
    change = await stream.next(5)
    assert change.data["metadata"] is True
    assert change.data["info"]["levels"][0]["scale"] == [1.0, 0.25, 0.25]
    assert change.data["info"]["kind"] == "ome-ngff-0.4"


async def test_a_remote_store_is_followed_by_reading_its_metadata(
    events, layout, name, jp_http_port, jp_base_url, api
):
    arr = zarr.create_array(layout.root / name, shape=(2, 16, 16), chunks=(1, 16, 16), dtype="u1")
    arr[...] = 1
    # The server's own store endpoint is an allow-listed HTTP store in these tests.
    url = f"http://127.0.0.1:{jp_http_port}{jp_base_url}zarrview/store/{name}"
    stream = await events(path=url)
    arr.resize((3, 16, 16))
    change = await stream.next(10)
    assert change.data["metadata"] is True
    assert change.data["info"]["levels"][0]["shape"] == [3, 16, 16]
    info = json.loads((await api("info", path=url)).body)
    assert info["levels"][0]["shape"] == [3, 16, 16]
