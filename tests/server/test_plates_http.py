"""Plates over HTTP: a 384-well plate answers one ``info`` and, at its coarsest level, one tile
that holds all of it; its wells and fields open by ``array``; a live plate tells of new wells."""

from __future__ import annotations

import asyncio
import json
import shutil
from typing import TYPE_CHECKING

import numpy as np
import pytest
import zarr
from live_stream import open_events
from plate_stores import field, mosaic, pyramid, write_big_plate, write_plate, write_well
from server_helpers import error_of, tile_array

if TYPE_CHECKING:
    from server_data import Layout

NAME = "screen.ome.zarr"
ROWS, COLUMNS, SIZE = 16, 24, 64
POLL = 0.2


@pytest.fixture
def jp_server_config(jp_server_config):
    live = jp_server_config.ZarrViewExtension
    live.live_poll_interval = POLL
    live.live_keep_alive = 1.0
    live.live_watcher_linger = 0.5
    live.live_file_events = False
    return jp_server_config


@pytest.fixture(scope="module")
def screen(layout: Layout) -> list[np.ndarray]:
    """A 0.5 plate of 16 x 24 wells, one 64 x 64 field each, two levels: each level's mosaic."""
    write_big_plate(layout.root / NAME, "0.5", ROWS, COLUMNS, SIZE)
    fields = [pyramid(field(i, (SIZE, SIZE))) for i in range(ROWS * COLUMNS)]
    return [
        mosaic(
            {(i // COLUMNS, i % COLUMNS): f[level] for i, f in enumerate(fields)},
            (ROWS, COLUMNS),
            (SIZE >> level, SIZE >> level),
            (),
            "uint16",
        )
        for level in (0, 1)
    ]


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


async def test_info_of_a_384_well_plate_describes_its_mosaic(api, screen):
    response = await api("info", path=NAME)
    assert response.code == 200
    info = json.loads(response.body)
    assert info["kind"] == "ome-plate"
    assert [lv["shape"] for lv in info["levels"]] == [[1024, 1536], [512, 768]]
    assert [lv["chunks"] for lv in info["levels"]] == [[64, 64], [32, 32]]
    plate = info["plate"]
    assert plate["rows"] == [chr(ord("A") + r) for r in range(ROWS)]
    assert plate["columns"] == [str(c + 1) for c in range(COLUMNS)]
    assert plate["cell"] == [SIZE, SIZE]
    assert len(plate["wells"]) == 384
    assert plate["wells"][26] == {"path": "B/3", "row": 1, "column": 2, "field": "0", "error": None}
    assert info["problems"] == []


async def test_one_tile_at_the_coarsest_level_is_the_whole_plate(api, screen):
    response = await api("tile", path=NAME, level="1", sel=":,:")
    assert response.headers["X-Zarrview-Shape"] == "512,768"
    assert response.headers["X-Zarrview-Dtype"] == "uint16"
    assert response.body == screen[1].astype("<u2").tobytes()
    # Tiles of a mosaic have no chunk files of their own: their tag follows the version.
    again = await api(
        "tile", path=NAME, level="1", sel=":,:", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.code == 304
    # The viewer's 512 x 512 tiles: level 0 needs 6 of them, each of 64 wells.
    tile = await api("tile", path=NAME, level="0", sel="512:1024,1024:1536")
    np.testing.assert_array_equal(tile_array(tile), screen[0][512:, 1024:])


async def test_a_well_of_the_plate_and_its_field_open_by_array(api, screen):
    well = json.loads((await api("info", path=NAME, array="B/3")).body)
    assert well["kind"] == "ome-well"
    assert well["plate"]["wells"] == [
        {"path": "0", "row": 0, "column": 0, "field": "0", "error": None}
    ]
    expected = pyramid(field(26, (SIZE, SIZE)))
    tile = await api("tile", path=NAME, array="B/3", level="1", sel=":,:")
    np.testing.assert_array_equal(tile_array(tile), expected[1])
    one = json.loads((await api("info", path=NAME, array="B/3/0")).body)
    assert (one["kind"], one["plate"]) == ("ome-ngff-0.5", None)
    tile = await api("tile", path=f"{NAME}/B/3/0", sel=":,:")
    np.testing.assert_array_equal(tile_array(tile), expected[0])


async def test_a_plate_with_no_well_to_show_answers_422_naming_path(api, layout):
    name = "no-wells.ome.zarr"
    shutil.rmtree(layout.root / name, ignore_errors=True)
    write_plate(layout.root / name, "0.4", ["A"], ["1", "2"], {}, listed=["A/1", "A/2"])
    response = await api("info", path=name)
    assert response.code == 422
    assert error_of(response) == {
        "error": (
            f"'{name}' is a plate with no well that can be shown "
            "(A/1: no such group; A/2: no such group)"
        ),
        "parameter": "path",
        "expected": "a plate with at least one well (a well with at least one field) to show",
        "children": [],
    }


async def test_a_live_plate_tells_of_a_well_written_and_is_quiet_otherwise(events, api, layout):
    name = "live-plate.ome.zarr"
    shutil.rmtree(layout.root / name, ignore_errors=True)
    write_plate(
        layout.root / name, "0.5", ["A"], ["1", "2"], {"A/1": [field(1)]}, listed=["A/1", "A/2"]
    )
    info = json.loads((await api("info", path=name)).body)
    assert info["plate"]["wells"][1]["error"] == "A/2: no such group"
    stream = await events(path=name)
    assert stream.status == 200
    hello = await stream.next()
    assert hello.name == "hello"
    assert hello.data["key"] == hello.data["version"]  # no chunk files: the version is the key
    with pytest.raises(asyncio.TimeoutError):
        await stream.next(5 * POLL)  # nothing written: nothing told
    well = zarr.open_group(str(layout.root / name / "A" / "2"), mode="a", zarr_format=3)
    write_well(well, "0.5", [field(2)])
    change = await stream.next(10)
    assert change.name == "change"
    assert change.data["metadata"] is True
    assert change.data["info"]["plate"]["wells"][1]["error"] is None
    tile = await api("tile", path=name, sel="0,:,32:64")
    np.testing.assert_array_equal(tile_array(tile), field(2)[0])
