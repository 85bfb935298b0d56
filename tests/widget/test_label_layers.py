"""Label images of a view, over widget messages: asked for with ``layer``, only those listed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
import traitlets
from label_stores import cells, pyramid, write_image, write_labels
from test_zarrview import Replies, request

from jupyter_zarrview import ZarrView

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def segmented(tmp_path: Path) -> Path:
    path = tmp_path / "seg.ome.zarr"
    group = write_image(path, "0.4")
    colors = {"colors": [{"label-value": 2, "rgba": [0, 255, 0, 255]}]}
    write_labels(group, "cells", pyramid(cells()), "0.4", label_metadata=colors)
    return path


def test_a_listed_label_image_is_read_with_layer(segmented):
    view = ZarrView(str(segmented))
    assert [e["path"] for e in view.info["labels"]] == ["labels/cells"]
    replies = Replies(view)
    request(view, 1, "info", layer="labels/cells")
    request(view, 2, "tile", level="0", sel="0:32,0:48", layer="labels/cells")
    answers = {c["id"]: (c, b) for c, b in replies.wait(2)}
    info = answers[1][0]
    assert info["status"] == 200
    assert info["json"]["image_label"]["colors"] == [{"label-value": 2, "rgba": [0, 255, 0, 255]}]
    tile, buffers = answers[2]
    assert (tile["status"], tile["headers"]["X-Zarrview-Dtype"]) == (200, "uint32")
    assert np.array_equal(np.frombuffer(buffers[0], dtype=np.uint32).reshape(32, 48), cells())


@pytest.mark.parametrize("layer", ["labels/nuclei", "labels/../0", "0", "/etc/passwd"])
def test_a_layer_the_image_does_not_list_is_404_naming_layer(segmented, layer):
    view = ZarrView(str(segmented))
    replies = Replies(view)
    request(view, 1, "tile", level="0", sel="0,0:32,0:48", layer=layer)
    ((answer, buffers),) = replies.wait(1)
    assert (answer["status"], answer["json"]["parameter"], buffers) == (404, "layer", [])


def test_an_array_in_the_kernel_has_no_layers():
    view = ZarrView(np.zeros((4, 4), dtype=np.uint8))
    replies = Replies(view)
    request(view, 1, "info", layer="labels/cells")
    ((answer, _),) = replies.wait(1)
    assert (answer["status"], answer["json"]["parameter"]) == (404, "layer")


def test_label_settings_are_checked_and_filled_in(segmented):
    view = ZarrView(str(segmented), labels=[{"name": "cells", "opacity": 0.25}])
    assert view.labels == [{"name": "cells", "visible": True, "opacity": 0.25, "outline": False}]
    with pytest.raises(traitlets.TraitError, match=r"opacity of labels .cells. must be in"):
        view.labels = [{"name": "cells", "opacity": 2}]
    with pytest.raises(traitlets.TraitError, match="unknown keys"):
        view.labels = [{"name": "cells", "colour": "red"}]


def test_label_arrays_in_the_kernel_lie_over_the_image_by_its_trailing_axes():
    import dask.array as da

    image = np.zeros((3, 32, 48), dtype=np.uint16)
    ids = cells()
    view = ZarrView(image, labels={"cells": ids, "lazy": da.from_array(ids * 2, chunks=16)})
    assert [(e["name"], e["error"]) for e in view.info["labels"]] == [
        ("cells", None),
        ("lazy", None),
    ]
    replies = Replies(view)
    request(view, 1, "info", layer="cells")
    request(view, 2, "tile", level="0", sel="0:32,0:48", layer="lazy")
    answers = {c["id"]: (c, b) for c, b in replies.wait(2)}
    assert [a["name"] for a in answers[1][0]["json"]["axes"]] == ["dim_1", "dim_2"]
    tile, buffers = answers[2]
    assert tile["status"] == 200
    assert np.array_equal(np.frombuffer(buffers[0], dtype=np.uint32).reshape(32, 48), ids * 2)


def test_label_arrays_that_cannot_lie_over_the_image_are_refused():
    image = np.zeros((32, 48), dtype=np.uint16)
    with pytest.raises(TypeError, match=r"dtype float32; label ids must be integers"):
        ZarrView(image, labels=np.zeros((32, 48), dtype=np.float32))
    with pytest.raises(ValueError, match=r"over the image's dim_0, dim_1 it must be \(32, 48\)"):
        ZarrView(image, labels=np.zeros((16, 48), dtype=np.uint8))
