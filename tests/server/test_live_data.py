"""Data a job is still writing: a half-written chunk answers 503, a grown array is seen."""

from __future__ import annotations

import json

import numpy as np
import pytest
import zarr
from server_helpers import error_of, tile_array


@pytest.fixture
def jp_server_config(jp_server_config):
    # Every info re-reads the metadata, as a viewer polling a growing array would want.
    jp_server_config.ZarrViewExtension.refresh_interval = 0.0
    return jp_server_config


@pytest.fixture
def growing(layout, request):
    """A store of this test's own under the root dir, and its writer's handle."""
    name = f"live-{request.node.name}.zarr".replace("[", "-").replace("]", "")
    path = layout.root / name
    data = np.arange(2 * 32 * 32, dtype=np.uint16).reshape(2, 32, 32)
    arr = zarr.create_array(path, shape=data.shape, chunks=(1, 16, 16), dtype=data.dtype)
    arr[...] = data
    return name, path, arr, data


async def test_503_on_a_half_written_chunk_with_retry_after(api, growing):
    name, path, _arr, data = growing
    chunk = path / "c" / "1" / "0" / "1"
    whole = chunk.read_bytes()
    chunk.write_bytes(whole[: len(whole) // 2])
    response = await api("tile", path=name, sel="1,0:16,16:32")
    assert response.code == 503
    assert int(response.headers["Retry-After"]) >= 1
    body = error_of(response)
    # The chunk is named, relative to the root dir as clients name paths.
    assert f"{name}/c/1/0/1" in body["error"]
    assert str(path.parent) not in body["error"]
    assert body["parameter"] == "sel"
    # The rest of the array is still served.
    fine = await api("tile", path=name, sel="0,:,:")
    assert np.array_equal(tile_array(fine), data[0])
    # Once the writer is done, the same tile reads.
    chunk.write_bytes(whole)
    again = await api("tile", path=name, sel="1,0:16,16:32")
    assert np.array_equal(tile_array(again), data[1, 0:16, 16:32])


async def test_info_sees_an_array_grow_and_tiles_follow(api, growing):
    name, _path, arr, data = growing
    before = json.loads((await api("info", path=name)).body)
    old_tile = await api("tile", path=name, sel="1,0:8,0:8")
    assert np.array_equal(tile_array(old_tile), data[1, 0:8, 0:8])
    arr.resize((3, 32, 32))
    arr[2] = 7
    after = json.loads((await api("info", path=name)).body)
    assert after["levels"][0]["shape"] == [3, 32, 32]
    assert after["version"] != before["version"]
    tile = await api("tile", path=name, sel="2,:,:")
    assert tile.headers["X-Zarrview-Version"] == after["version"]
    assert np.array_equal(tile_array(tile), np.full((32, 32), 7, dtype=np.uint16))
    # A tile whose chunks did not change is still confirmed, without a read: its validator
    # follows its chunk files, not the shape or the refresh count.
    revalidated = await api(
        "tile", headers={"If-None-Match": old_tile.headers["ETag"]}, path=name, sel="1,0:8,0:8"
    )
    assert revalidated.code == 304
    assert revalidated.headers["ETag"] == old_tile.headers["ETag"]
