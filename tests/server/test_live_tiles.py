"""A tile's validator follows its chunk files: only tiles over a rewritten chunk are sent again."""

from __future__ import annotations

import json

import numpy as np
import pytest
import zarr
from server_helpers import tile_array


@pytest.fixture
def jp_server_config(jp_server_config):
    # Every info re-reads the metadata and counts a refresh.
    jp_server_config.ZarrViewExtension.refresh_interval = 0.0
    return jp_server_config


@pytest.fixture
def plane_store(layout, request):
    """A v2 array of this test's own, rewritten in place as a live preview does."""
    name = f"tiles-{request.node.name}.zarr".replace("[", "-").replace("]", "")
    data = np.arange(3 * 32 * 32, dtype=np.uint16).reshape(3, 32, 32)
    arr = zarr.create_array(
        layout.root / name, shape=data.shape, chunks=(1, 16, 16), dtype=data.dtype, zarr_format=2
    )
    arr[...] = data
    return name, arr, data


async def _tile(api, name, sel, etag=None):
    headers = {"If-None-Match": etag} if etag else None
    return await api("tile", headers=headers, path=name, sel=sel)


async def test_a_rewritten_chunk_answers_its_new_bytes_and_other_tiles_304(api, plane_store):
    name, arr, data = plane_store
    over, elsewhere = "1,0:16,0:16", "2,0:16,0:16"
    # Asked three times, as a viewer and its read-ahead do: the chunks then sit decoded in the
    # engine's caches, which is where stale bytes would come from.
    for _ in range(3):
        first_over = await _tile(api, name, over)
        first_elsewhere = await _tile(api, name, elsewhere)
    assert np.array_equal(tile_array(first_over), data[1, 0:16, 0:16])
    arr[1, 0:16, 0:16] = 4242
    # No info in between: nothing but the chunk's own file tells the server.
    again = await _tile(api, name, over, first_over.headers["ETag"])
    assert again.code == 200
    assert again.headers["ETag"] != first_over.headers["ETag"]
    assert np.array_equal(tile_array(again), np.full((16, 16), 4242, dtype=np.uint16))
    unchanged = await _tile(api, name, elsewhere, first_elsewhere.headers["ETag"])
    assert unchanged.code == 304
    # A tile sharing the plane but not the chunk is unchanged too.
    beside = await _tile(api, name, "1,16:32,16:32")
    assert np.array_equal(tile_array(beside), data[1, 16:32, 16:32])
    confirmed = await _tile(api, name, "1,16:32,16:32", beside.headers["ETag"])
    assert confirmed.code == 304


async def test_a_refresh_keeps_the_validators_of_unchanged_tiles(api, plane_store):
    name, _arr, _data = plane_store
    tile = await _tile(api, name, "0,:,:")
    before = json.loads((await api("info", path=name)).body)["version"]
    after = json.loads((await api("info", path=name)).body)["version"]
    # The same metadata, a new refresh count: what used to change the tag of every tile.
    assert after != before
    assert after.split(".")[0] == before.split(".")[0]
    again = await _tile(api, name, "0,:,:", tile.headers["ETag"])
    assert again.code == 304


async def test_a_chunk_that_appears_changes_the_tag_of_the_tile_over_it(api, plane_store, layout):
    name, arr, _data = plane_store
    chunk = layout.root / name / "0.0.0"
    chunk.unlink()  # as if not written yet: the tile reads as the fill value
    missing = await _tile(api, name, "0,0:16,0:16")
    assert np.array_equal(tile_array(missing), np.zeros((16, 16), dtype=np.uint16))
    arr[0, 0:16, 0:16] = 5
    written = await _tile(api, name, "0,0:16,0:16", missing.headers["ETag"])
    assert written.code == 200
    assert np.array_equal(tile_array(written), np.full((16, 16), 5, dtype=np.uint16))
