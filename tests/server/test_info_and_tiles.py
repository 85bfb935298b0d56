"""``info`` and ``tile`` over HTTP, against numpy on the arrays the stores were written from."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
from numcodecs import Zstd
from server_helpers import tile_array

from jupyter_zarrview.engine import parse_selection


def _reference(layout, name: str, level: int, sel: str) -> np.ndarray:
    array = layout.arrays[name][level]
    return array[parse_selection(sel, array.shape)]


@pytest.mark.parametrize(
    ("name", "kind", "dtype"),
    [
        ("plain2d.zarr", "zarr-v2", "uint16"),
        ("vol3d.zarr", "zarr-v3", "float32"),
        ("ome04.zarr", "ome-ngff-0.4", "uint16"),
        ("ome05.zarr", "ome-ngff-0.5", "uint16"),
        ("sharded.zarr", "zarr-v3", "int32"),
        ("bigendian.zarr", "zarr-v2", "uint16"),
    ],
)
async def test_info_describes_the_store(api, layout, name, kind, dtype):
    response = await api("info", path=name)
    assert response.code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    info = json.loads(response.body)
    assert info["protocol"] == 1
    assert info["kind"] == kind
    assert info["dtype"] == dtype
    assert info["name"] == name
    assert [lv["shape"] for lv in info["levels"]] == [list(a.shape) for a in layout.arrays[name]]
    assert isinstance(info["version"], str)
    assert info["version"]


@pytest.mark.parametrize("name", ["ome04.zarr", "ome05.zarr"])
async def test_info_of_ome_images_has_axes_channels_and_scales(api, name):
    info = json.loads((await api("info", path=name)).body)
    assert [(a["name"], a["type"]) for a in info["axes"]] == [
        ("t", "time"),
        ("c", "channel"),
        ("z", "space"),
        ("y", "space"),
        ("x", "space"),
    ]
    assert info["channel_axis"] == 1
    assert [c["label"] for c in info["channels"]] == ["ch0", "ch1", "ch2"]
    assert [c["color"] for c in info["channels"]] == ["0000FF", "00FF00", "FF0000"]
    assert [lv["scale"] for lv in info["levels"]] == [
        [1.0, 1.0, 2.0, 0.5 * 2**i, 0.5 * 2**i] for i in range(3)
    ]
    assert info["rdefs"] == {"defaultT": 0, "defaultZ": 1, "model": "color"}


TILES = [
    ("plain2d.zarr", 0, "0:16,0:16"),
    ("plain2d.zarr", 0, "16:37,32:53"),  # the ragged corner
    ("plain2d.zarr", 0, ":,:"),
    ("plain2d.zarr", 0, "::3,5::7"),
    ("plain2d.zarr", 0, "-1,:"),
    ("plain2d.zarr", 0, "3,4"),  # 0-d
    ("vol3d.zarr", 0, "0,:,:"),  # with NaNs
    ("vol3d.zarr", 0, "2:5,10,0:30"),
    ("vol3d.zarr", 0, ":,:,-3"),
    ("ome04.zarr", 0, "1,2,3,0:32,0:48"),
    ("ome04.zarr", 0, "1,0:3,2,0:32,16:48"),  # a range of channels
    ("ome04.zarr", 1, "0,:,1,:,:"),
    ("ome04.zarr", 2, "1,1,0:4,:,0:12"),
    ("ome05.zarr", 0, "0,0:3,0,8:24,8:40"),
    ("ome05.zarr", 2, "1,2,3,:,:"),
    ("sharded.zarr", 0, "5:60,7:90"),
    ("bigendian.zarr", 0, ":,:"),
    ("zipped.zip", 0, "0:24:2,3:17"),
]


@pytest.mark.parametrize(("name", "level", "sel"), TILES)
async def test_tile_equals_numpy(api, layout, name, level, sel):
    response = await api("tile", path=name, level=str(level), sel=sel)
    expected = _reference(layout, name, level, sel)
    got = tile_array(response)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype.newbyteorder("<")
    np.testing.assert_array_equal(got, expected)
    assert response.headers["X-Zarrview-Shape"] == ",".join(str(n) for n in expected.shape)


async def test_tile_of_every_axis_whole_is_the_whole_level(api, layout):
    response = await api("tile", path="ome04.zarr", level="2", sel=":,:,:,:,:")
    np.testing.assert_array_equal(tile_array(response), layout.arrays["ome04.zarr"][2])


async def test_tile_carries_the_version_info_gives(api):
    info = json.loads((await api("info", path="vol3d.zarr")).body)
    tile = await api("tile", path="vol3d.zarr", sel="0,0:2,0:2")
    assert tile.headers["X-Zarrview-Version"] == info["version"]
    assert tile.headers["Cache-Control"] == "private, no-cache"
    assert tile.headers["Content-Type"] == "application/octet-stream"


async def test_304_on_a_tile_whose_etag_matches(api):
    first = await api("tile", path="plain2d.zarr", sel="0:8,0:8")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = await api("tile", headers={"If-None-Match": etag}, path="plain2d.zarr", sel="0:8,0:8")
    assert again.code == 304
    assert again.body == b""
    other = await api("tile", headers={"If-None-Match": etag}, path="plain2d.zarr", sel="0:8,0:9")
    assert other.code == 200
    assert other.headers["ETag"] != etag


async def test_etag_names_the_tile_not_the_spelling_of_its_selection(api):
    a = await api("tile", path="plain2d.zarr", sel="0:8,-53:-45")
    b = await api("tile", path="plain2d.zarr", sel=":8,0:8:1")
    assert a.headers["ETag"] == b.headers["ETag"]


def _unzstd(data: bytes) -> bytes:
    return bytes(Zstd().decode(data))


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [
        ("gzip", "gzip", gzip.decompress),
        ("gzip, deflate, br, zstd", "zstd", _unzstd),  # what Chromium sends
        ("zstd;q=0.5, gzip", "gzip", gzip.decompress),
        ("*", "zstd", _unzstd),
    ],
)
async def test_compressed_on_the_wire_when_it_pays(api, layout, accept, encoding, decode):
    # A ramp compresses well: the wire carries less, and decodes to the same array.
    plain = await api("tile", path="sharded.zarr", sel=":,:", decompress_response=False)
    packed = await api(
        "tile",
        headers={"Accept-Encoding": accept},
        path="sharded.zarr",
        sel=":,:",
        decompress_response=False,
    )
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == encoding
    assert packed.headers["Vary"] == "Accept-Encoding"
    assert len(packed.body) < len(plain.body)
    assert decode(packed.body) == plain.body
    assert plain.headers["ETag"] == packed.headers["ETag"]
    expected = layout.arrays["sharded.zarr"][0]
    assert np.array_equal(np.frombuffer(plain.body, "<i4").reshape(expected.shape), expected)


async def test_not_compressed_when_it_does_not_pay(api):
    # Uniform random 16-bit values: no coder saves a tenth, so the bytes go as they are.
    response = await api(
        "tile",
        headers={"Accept-Encoding": "gzip, zstd"},
        path="plain2d.zarr",
        sel=":,:",
        decompress_response=False,
    )
    assert "Content-Encoding" not in response.headers
    assert len(response.body) == 37 * 53 * 2


async def test_not_compressed_when_the_client_refuses_it(api):
    response = await api(
        "tile",
        headers={"Accept-Encoding": "gzip;q=0, zstd;q=0, identity"},
        path="sharded.zarr",
        sel=":,:",
        decompress_response=False,
    )
    assert "Content-Encoding" not in response.headers
    assert len(response.body) == 64 * 96 * 4
