"""A group that is not an image: the view lists its images and arrays, and opens the one picked."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
import zarr
from label_stores import write_image
from test_zarrview import Replies, request

from jupyter_zarrview import ZarrView

if TYPE_CHECKING:
    from pathlib import Path


def pick(view: ZarrView, array: str) -> None:
    view._transport._on_msg(view, {"type": "zarrview-pick", "array": array}, [])


def test_a_group_lists_what_it_holds_and_opens_the_pick(tmp_path: Path):
    group = zarr.open_group(str(tmp_path / "experiment.zarr"), mode="w", zarr_format=2)
    write_image(tmp_path / "experiment.zarr" / "A" / "1", "0.4")
    group.create_array("flat", shape=(20, 30), dtype="float32")[...] = 1.5
    view = ZarrView(str(tmp_path / "experiment.zarr"))
    assert view.info is None
    assert "is a group, not an image" in view.error
    replies = Replies(view)
    request(view, 1, "info")
    ((answer, _),) = replies.wait(1)
    assert (answer["status"], answer["json"]["parameter"]) == (422, "array")
    children = {c["path"]: c for c in answer["json"]["children"]}
    flat = {"path": "flat", "kind": "array", "shape": [20, 30], "dtype": "float32"}
    assert children["flat"] == flat
    assert children["A/1"]["kind"] == "image"

    pick(view, "../outside")  # not a child: nothing happens
    assert view.info is None
    pick(view, "flat")
    assert view.error == ""
    assert view.info["levels"][0]["shape"] == [20, 30]
    assert np.array_equal(view.dataset.read(0, (slice(None), slice(None))), np.full((20, 30), 1.5))
    pick(view, "A/1")  # an image is shown: a pick is for the picker only
    assert view.info["levels"][0]["shape"] == [20, 30]


def test_well_and_field_open_a_plates_field(tmp_path: Path):
    zarr.open_group(str(tmp_path / "plate.zarr"), mode="w", zarr_format=2)
    write_image(tmp_path / "plate.zarr" / "B" / "3" / "0", "0.4")
    view = ZarrView(str(tmp_path / "plate.zarr"), well="B/3", field=0)
    assert view.error == ""
    assert view.info["levels"][0]["shape"] == [2, 32, 48]
    with pytest.raises(TypeError, match="give well= too"):
        ZarrView(str(tmp_path / "plate.zarr"), field=0)


def test_a_click_on_a_plates_well_opens_the_well_then_a_field(tmp_path: Path):
    from plate_stores import field, write_plate

    wells = {"A/1": [field(1)], "B/2": [field(2), field(3)]}
    write_plate(tmp_path / "plate.zarr", "0.4", "AB", "12", wells)
    view = ZarrView(str(tmp_path / "plate.zarr"))
    assert view.info["kind"] == "ome-plate"
    pick(view, "B/2")
    assert (view.info["kind"], view.error) == ("ome-well", "")
    pick(view, "1")
    assert view.info["kind"] == "ome-ngff-0.4"
    assert np.array_equal(view.dataset.read(0, (0, slice(None), slice(None))), field(3)[0])
