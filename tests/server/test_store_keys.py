"""``store/<path>/<key>``: plain Zarr keys for any Zarr HTTP client, with ``Range`` and ``HEAD``."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
import zarr
from server_helpers import TOKEN, any_status, error_of

from jupyter_zarrview.server import handlers
from jupyter_zarrview.server.byte_ranges import parse_range


@pytest.fixture
def key(jp_fetch):
    """``await key(path, **fetch_kwargs)``: the response of one store URL, whatever its status."""

    async def fetch(path: str, **kwargs):
        return await any_status(jp_fetch("zarrview", "store", path, **kwargs))

    return fetch


@pytest.fixture
def store_url(http_server, jp_http_port, jp_base_url):
    return f"http://127.0.0.1:{jp_http_port}{jp_base_url}zarrview/store/"


async def _read_over_http(url: str) -> np.ndarray:
    # zarr-python runs its own event loop: keep it off the loop the server answers on.
    def read() -> np.ndarray:
        arr = zarr.open_array(
            url, mode="r", storage_options={"headers": {"Authorization": f"token {TOKEN}"}}
        )
        return np.asarray(arr[...])

    return await asyncio.to_thread(read)


@pytest.mark.parametrize("name", ["plain2d.zarr", "vol3d.zarr", "sharded.zarr", "zipped.zip"])
async def test_zarr_python_reads_the_store_over_http(name, store_url, layout):
    data = await _read_over_http(store_url + name)
    np.testing.assert_array_equal(data, layout.arrays[name][0])


async def test_zarr_python_reads_inner_chunks_of_a_shard_with_range_requests(
    store_url, layout, monkeypatch
):
    headers: list[str | None] = []

    def spy(header, size):
        headers.append(header)
        return parse_range(header, size)

    monkeypatch.setattr(handlers, "parse_range", spy)

    def read() -> np.ndarray:
        arr = zarr.open_array(
            store_url + "sharded.zarr",
            mode="r",
            storage_options={"headers": {"Authorization": f"token {TOKEN}"}},
        )
        return np.asarray(arr[40:48, 72:80])  # one inner chunk of shard (1, 2)

    data = await asyncio.to_thread(read)
    assert np.array_equal(data, layout.arrays["sharded.zarr"][0][40:48, 72:80])
    # zarr.json whole, then the shard's index from its end, then the one inner chunk.
    assert headers[0] is None
    assert headers[1] == "bytes=-260"
    assert len(headers) == 3
    assert headers[2] is not None
    assert headers[2].startswith("bytes=")


async def test_zarr_python_reads_an_ome_level_over_http(store_url, layout):
    data = await _read_over_http(store_url + "ome04.zarr/1")
    assert np.array_equal(data, layout.arrays["ome04.zarr"][1])


async def test_zarr_python_reads_a_store_in_an_extra_root_by_absolute_path(store_url, layout):
    data = await _read_over_http(store_url + str(layout.extra / "shared.zarr"))
    assert np.array_equal(data, layout.arrays["shared.zarr"][0])


async def test_zarr_metadata_keys_are_served_though_they_start_with_a_dot(key, layout):
    for name in (".zarray", ".zattrs"):
        response = await key(f"plain2d.zarr/{name}")
        assert response.code == 200
        assert response.body == (layout.root / "plain2d.zarr" / name).read_bytes()
    group = await key("ome04.zarr/.zgroup")
    assert json.loads(group.body) == {"zarr_format": 2}


async def test_key_bytes_equal_the_file_and_carry_length_and_validators(key, layout):
    path = layout.root / "sharded.zarr" / "c" / "1" / "2"
    response = await key("sharded.zarr/c/1/2")
    assert response.code == 200
    assert response.body == path.read_bytes()
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert int(response.headers["Content-Length"]) == path.stat().st_size
    assert response.headers["ETag"].startswith('W/"')


async def test_206_on_a_byte_range(key, layout):
    whole = (layout.root / "sharded.zarr" / "c" / "0" / "0").read_bytes()
    response = await key("sharded.zarr/c/0/0", headers={"Range": "bytes=10-29"})
    assert response.code == 206
    assert response.body == whole[10:30]
    assert response.headers["Content-Range"] == f"bytes 10-29/{len(whole)}"
    assert response.headers["Content-Length"] == "20"


async def test_206_on_a_suffix_range_reads_a_shard_index(key, layout):
    whole = (layout.root / "sharded.zarr" / "c" / "0" / "1").read_bytes()
    # 16 inner chunks x (offset, length) x 8 bytes + a 4-byte checksum: the index at the end.
    n = 16 * 16 + 4
    response = await key("sharded.zarr/c/0/1", headers={"Range": f"bytes=-{n}"})
    assert response.code == 206
    assert response.body == whole[-n:]
    assert (
        response.headers["Content-Range"] == f"bytes {len(whole) - n}-{len(whole) - 1}/{len(whole)}"
    )


async def test_206_on_an_open_range_and_one_past_the_end(key, layout):
    whole = (layout.root / "plain2d.zarr" / ".zarray").read_bytes()
    tail = await key("plain2d.zarr/.zarray", headers={"Range": "bytes=5-"})
    assert (tail.code, tail.body) == (206, whole[5:])
    clipped = await key("plain2d.zarr/.zarray", headers={"Range": "bytes=0-100000"})
    assert (clipped.code, clipped.body) == (206, whole)
    assert clipped.headers["Content-Range"] == f"bytes 0-{len(whole) - 1}/{len(whole)}"


async def test_206_on_a_range_inside_a_zip_member(key):
    whole = await key("zipped.zip/zarr.json")
    part = await key("zipped.zip/zarr.json", headers={"Range": "bytes=-7"})
    assert (part.code, part.body) == (206, whole.body[-7:])


@pytest.mark.parametrize("header", ["bytes=100000-", "bytes=-0", "bytes=100000-100010"])
async def test_416_on_an_unsatisfiable_range(key, layout, header):
    size = (layout.root / "plain2d.zarr" / ".zarray").stat().st_size
    response = await key("plain2d.zarr/.zarray", headers={"Range": header})
    assert response.code == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"
    assert error_of(response)["parameter"] == "Range"


@pytest.mark.parametrize("header", ["bytes=5-2", "items=0-3", "bytes=0-1,4-5", "bytes=x-"])
async def test_200_on_a_range_that_cannot_be_used(key, layout, header):
    response = await key("plain2d.zarr/.zarray", headers={"Range": header})
    assert (response.code, response.body) == (
        200,
        (layout.root / "plain2d.zarr/.zarray").read_bytes(),
    )


async def test_head_gives_the_length_and_no_body(key, layout):
    path = layout.root / "sharded.zarr" / "c" / "1" / "1"
    response = await key("sharded.zarr/c/1/1", method="HEAD")
    assert response.code == 200
    assert response.body == b""
    assert int(response.headers["Content-Length"]) == path.stat().st_size


async def test_304_on_a_key_whose_etag_matches(key):
    first = await key("plain2d.zarr/0.0")
    again = await key("plain2d.zarr/0.0", headers={"If-None-Match": first.headers["ETag"]})
    assert again.code == 304
    assert again.body == b""


@pytest.mark.parametrize(
    "path",
    ["plain2d.zarr/.zmetadata", "plain2d.zarr/9.9", "sharded.zarr/zarr.json/x", "zipped.zip/c/9/9"],
)
async def test_404_on_a_missing_key(key, path):
    response = await key(path)
    assert response.code == 404
    assert error_of(response) == {"error": f"no such Zarr key: {path!r}", "parameter": "path"}


async def test_404_on_a_folder_of_the_store(key):
    response = await key("sharded.zarr/c/0")
    assert response.code == 404
    assert error_of(response)["error"] == "no such Zarr key: 'sharded.zarr/c/0' is a folder"


async def test_415_on_a_file_outside_any_store(key):
    response = await key("notzarr/readme.txt")
    assert response.code == 415
    assert error_of(response) == {
        "error": "'notzarr/readme.txt' is not inside a Zarr store",
        "parameter": "path",
    }


async def test_a_key_larger_than_a_block_goes_out_whole_and_in_ranges(key, layout, monkeypatch):
    monkeypatch.setattr(handlers, "_BLOCK", 100)
    whole = (layout.root / "sharded.zarr" / "c" / "1" / "2").read_bytes()
    assert len(whole) > 300
    response = await key("sharded.zarr/c/1/2")
    assert (response.code, response.body) == (200, whole)
    part = await key("sharded.zarr/c/1/2", headers={"Range": "bytes=150-420"})
    assert (part.code, part.body) == (206, whole[150:421])


async def test_404_on_a_key_that_vanishes_before_it_is_read(key, monkeypatch):
    def vanished(found, start, stop):
        raise FileNotFoundError(found.key)

    monkeypatch.setattr(handlers, "read_key", vanished)
    response = await key("plain2d.zarr/0.0")
    assert response.code == 404
    assert "Content-Range" not in response.headers
    assert error_of(response) == {
        "error": "no such Zarr key: 'plain2d.zarr/0.0'",
        "parameter": "path",
    }
