"""Label images over HTTP: the image's ``info`` lists them, a label image answers its own
``info`` and ``tile``s, opened with ``array`` or by its own path."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pytest
from label_stores import cells, pyramid, set_ome_attrs, write_image, write_labels
from server_helpers import tile_array

if TYPE_CHECKING:
    from server_data import Layout

NAME = "labelled.ome.zarr"
BIG = 2**64 - 1


@pytest.fixture(scope="module")
def labels(layout: Layout) -> np.ndarray:
    """0.4, by ome-zarr-py: 'cells' (uint64, ids up to 2**64 - 1), and 'gone', not written."""
    path = layout.root / NAME
    data = cells("uint64")
    data[0, :4] = BIG
    colors = [
        {"label-value": 1, "rgba": [255, 0, 0, 255]},
        {"label-value": BIG, "rgba": [0, 0, 255, 255]},
    ]
    write_labels(write_image(path, "0.4"), "cells", pyramid(data), "0.4", {"colors": colors})
    set_ome_attrs(path / "labels", labels=["cells", "gone"])
    return data


async def test_info_of_the_image_lists_its_label_images(api, labels):
    response = await api("info", path=NAME)
    assert response.code == 200
    info = json.loads(response.body)
    assert info["labels"] == [
        {"name": "cells", "path": "labels/cells", "error": None},
        {"name": "gone", "path": "labels/gone", "error": "labels/gone: no such group"},
    ]
    assert info["problems"] == ["labels/gone: no such group"]
    assert info["image_label"] is None


@pytest.mark.parametrize(
    "params",
    [{"path": NAME, "array": "labels/cells"}, {"path": f"{NAME}/labels/cells"}],
    ids=["array", "path"],
)
async def test_a_label_image_answers_info_and_tiles(api, labels, params):
    response = await api("info", **params)
    assert response.code == 200
    # Ids past 2**53 are decimal strings in the JSON text itself, which JSON.parse reads exactly.
    assert b'"label-value": "18446744073709551615"' in response.body
    info = json.loads(response.body)
    assert info["dtype"] == "uint64"
    assert info["image_label"]["colors"] == [
        {"label-value": 1, "rgba": [255, 0, 0, 255]},
        {"label-value": str(BIG), "rgba": [0, 0, 255, 255]},
    ]
    assert info["labels"] == []
    for level, expected in enumerate(pyramid(labels)):
        tile = await api("tile", level=str(level), sel=":,:", **params)
        assert tile.headers["X-Zarrview-Dtype"] == "uint64"
        assert tile.body == expected.astype("<u8").tobytes()
        np.testing.assert_array_equal(tile_array(tile), expected)
    corner = await api("tile", sel="0,0:6", **params)
    assert tile_array(corner).tolist() == [BIG] * 4 + [0, 0]
