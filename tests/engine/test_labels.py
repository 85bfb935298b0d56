"""OME-NGFF label images: listed with the image, opened as images of their own, read exactly.

On stores written by ome-zarr-py (0.4 and 0.5) and ngff-zarr (0.5); the bad inputs are written
over them with zarr-python, since no writer produces them on purpose.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
import zarr
from label_stores import (
    IMAGE,
    cells,
    ome_attrs,
    pyramid,
    set_ome_attrs,
    write_image,
    write_labels,
    write_ngff_zarr,
)

from jupyter_zarrview.engine import Engine, open_dataset
from jupyter_zarrview.engine.changes import ChangePoll
from jupyter_zarrview.engine.chunk_files import dataset_files
from jupyter_zarrview.protocol import Limits, handle

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from jupyter_zarrview.engine import Dataset

COLORS = [
    {"label-value": 1, "rgba": [255, 0, 0, 255]},
    {"label-value": 2, "rgba": [0, 255, 0, 128]},
]
# Properties for a label value that has no colour: ome-zarr-py takes either for "a subset of
# the label values", and so must the viewer.
PROPERTIES = [
    {"label-value": 1, "area (pixels)": 72, "class": "cell"},
    {"label-value": 2, "area (pixels)": 360, "class": "cell"},
    {"label-value": 3, "area (pixels)": 30, "class": "debris"},
]


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = Engine(cache_bytes=2**22, max_workers=2)
    yield engine
    engine.close()


def _labelled(tmp_path: Path, version: str) -> Path:
    """An image with a label image 'cells' (colours, properties) and 'nuclei' (none)."""
    path = tmp_path / f"img{version}.ome.zarr"
    group = write_image(path, version)
    write_labels(
        group,
        "cells",
        pyramid(cells()),
        version,
        {"colors": COLORS, "properties": PROPERTIES},
    )
    write_labels(group, "nuclei", pyramid(cells("int16") * -1), version)
    return path


def _level(path: Path, level: str) -> np.ndarray:
    return np.asarray(zarr.open_array(str(path / level), mode="r")[...])


def _tile_bytes(engine: Engine, ds: Dataset, level: int, sel: str) -> tuple[dict, bytes]:
    answer = handle("tile", {"sel": sel, "level": str(level)}, lambda _: ds, engine, Limits())
    assert answer.status == 200, answer.json
    assert answer.body is not None
    return answer.headers, answer.body


# -- real writers -----------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_ome_zarr_py_labels_are_listed_in_order(tmp_path, engine, version):
    path = _labelled(tmp_path, version)
    info = engine.open(path).info()
    assert info["kind"] == f"ome-ngff-{version}"
    assert info["labels"] == [
        {"name": "cells", "path": "labels/cells", "error": None},
        {"name": "nuclei", "path": "labels/nuclei", "error": None},
    ]
    assert info["problems"] == []
    assert info["image_label"] is None


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_a_label_image_opens_by_array_and_by_path_and_reads_exactly(tmp_path, engine, version):
    path = _labelled(tmp_path, version)
    by_array = engine.open(path, array="labels/cells")
    by_path = engine.open(path / "labels" / "cells")
    for ds in (by_array, by_path):
        info = ds.info()
        assert info["kind"] == f"ome-ngff-{version}"
        assert info["dtype"] == "uint32"
        assert info["image_label"] == {"colors": COLORS, "properties": PROPERTIES, "source": None}
        assert info["labels"] == []
        assert info["problems"] == []
        levels = [lv["path"] for lv in info["levels"]]
        assert len(levels) == 2
        for i, level in enumerate(levels):
            expected = _level(path / "labels" / "cells", level)
            np.testing.assert_array_equal(ds.read(i, (slice(None), slice(None))), expected)
            headers, body = _tile_bytes(engine, ds, i, ":,:")
            assert headers["X-Zarrview-Dtype"] == "uint32"
            assert body == expected.astype("<u4").tobytes()
        np.testing.assert_array_equal(ds.read(0, (slice(None), slice(None))), cells())
    assert by_path.info()["name"] == "cells"
    assert by_array.info()["name"] == f"img{version}.ome.zarr/labels/cells"


def test_label_paths_are_relative_to_an_image_inside_a_group(tmp_path, engine):
    # A well of a plate: the image is opened with array=A/1/0, its labels with the image's
    # array joined with their path.
    plate = tmp_path / "plate.zarr"
    zarr.open_group(str(plate), mode="w", zarr_format=2)
    write_labels(write_image(plate / "A" / "1" / "0", "0.4"), "cells", [cells()], "0.4")
    info = engine.open(plate, array="A/1/0").info()
    assert info["labels"] == [{"name": "cells", "path": "labels/cells", "error": None}]
    ds = engine.open(plate, array="A/1/0/" + info["labels"][0]["path"])
    assert ds.info()["image_label"] == {"colors": [], "properties": [], "source": None}
    np.testing.assert_array_equal(ds.read(0, (slice(None), slice(None))), cells())


def test_signed_label_images_keep_their_negative_ids(tmp_path, engine):
    path = _labelled(tmp_path, "0.4")
    ds = engine.open(path, array="labels/nuclei")
    assert ds.info()["dtype"] == "int16"
    assert ds.info()["image_label"] == {"colors": [], "properties": [], "source": None}
    np.testing.assert_array_equal(ds.read(0, (slice(None), slice(None))), -cells("int16"))


def test_ngff_zarr_0_5_labels_added_after_the_image_was_consolidated(tmp_path, engine):
    # ngff-zarr writes the image and the label image's multiscales, each with consolidated
    # metadata, but has no writer of label metadata: the labels group and the image-label
    # are written here with zarr-python, as the 0.5 specification puts them, and checked
    # against its JSON schema (bundled with ngff-zarr). The image's consolidated metadata
    # knows nothing of the labels, as with any tool that adds a segmentation later.
    import ngff_zarr as nz

    path = tmp_path / "ngff.ome.zarr"
    write_ngff_zarr(path, IMAGE, ["c", "y", "x"], labels=False)
    zarr.open_group(str(path / "labels"), mode="w", zarr_format=3).attrs["ome"] = {
        "version": "0.5",
        "labels": ["cells"],
    }
    write_ngff_zarr(path / "labels" / "cells", cells(), ["y", "x"], labels=True)
    image_label = {"colors": COLORS, "properties": PROPERTIES, "source": {"image": "../../"}}
    set_ome_attrs(path / "labels" / "cells", **{"image-label": image_label})
    cells_attrs = zarr.open_group(str(path / "labels" / "cells"), mode="r").attrs
    nz.validate(dict(cells_attrs), version="0.5", model="label")
    assert "labels" not in zarr.open_group(str(path), mode="r")  # consolidated without it

    info = engine.open(path).info()
    assert info["kind"] == "ome-ngff-0.5"
    assert info["labels"] == [{"name": "cells", "path": "labels/cells", "error": None}]
    assert info["problems"] == []
    for ds in (engine.open(path, array="labels/cells"), engine.open(path / "labels/cells")):
        label = ds.info()
        assert label["image_label"] == image_label
        assert label["problems"] == []
        for i, level in enumerate(lv["path"] for lv in label["levels"]):
            expected = _level(path / "labels" / "cells", level)
            assert _tile_bytes(engine, ds, i, ":,:")[1] == expected.astype("<u4").tobytes()


# -- 64-bit ids -------------------------------------------------------------------------------
def test_64_bit_ids_past_2_53_travel_as_decimal_strings(tmp_path, engine):
    path = tmp_path / "big.ome.zarr"
    group = write_image(path, "0.4")
    ids = np.array([[0, 1, 2**53 - 1, 2**53, 2**64 - 1]], dtype=np.uint64)
    data = np.repeat(ids, 4, axis=0)
    colors = [{"label-value": int(v), "rgba": [i, 0, 0, 255]} for i, v in enumerate(ids[0])]
    write_labels(
        group,
        "ids",
        [data],
        "0.4",
        {"colors": colors, "properties": [{"label-value": 2**64 - 1, "name": "last"}]},
    )
    signed = np.array([[-(2**63), -(2**53) + 1, -1, 2**63 - 1]], dtype=np.int64)
    write_labels(
        group, "signed", [signed], "0.4", {"colors": [{"label-value": -(2**63), "rgba": [1] * 4}]}
    )
    ds = engine.open(path, array="labels/ids")
    answer = handle("info", {}, lambda _: ds, engine, Limits())
    text = json.dumps(answer.json)
    parsed = json.loads(text)["image_label"]
    assert [c["label-value"] for c in parsed["colors"]] == [
        0,
        1,
        2**53 - 1,
        "9007199254740992",
        "18446744073709551615",
    ]
    assert parsed["properties"] == [{"label-value": "18446744073709551615", "name": "last"}]
    headers, body = _tile_bytes(engine, ds, 0, ":,:")
    assert headers["X-Zarrview-Dtype"] == "uint64"
    assert body == data.astype("<u8").tobytes()
    assert np.frombuffer(body, "<u8")[-1] == 2**64 - 1

    ds = engine.open(path, array="labels/signed")
    colors_signed = ds.info()["image_label"]["colors"]
    assert colors_signed == [{"label-value": "-9223372036854775808", "rgba": [1, 1, 1, 1]}]
    assert _tile_bytes(engine, ds, 0, ":,:")[1] == signed.astype("<i8").tobytes()


# -- what is wrong is named, and the image opens all the same ---------------------------------
@pytest.fixture
def image(tmp_path: Path) -> Path:
    """A 0.4 image with one good label image, 'cells', to spoil."""
    path = tmp_path / "spoilt.ome.zarr"
    write_labels(write_image(path, "0.4"), "cells", pyramid(cells()), "0.4", {"colors": COLORS})
    return path


def _opens(engine: Engine, path: Path, array: str | None = None) -> dict[str, Any]:
    ds = engine.open(path, array=array)
    assert ds.read(0, (0,) * (len(ds.levels[0].shape) - 2) + (slice(0, 4), slice(0, 4))).size
    return ds.info()


def test_a_listed_label_image_that_is_missing(engine, image):
    set_ome_attrs(image / "labels", labels=["cells", "nuclei"])
    info = _opens(engine, image)
    assert info["labels"] == [
        {"name": "cells", "path": "labels/cells", "error": None},
        {"name": "nuclei", "path": "labels/nuclei", "error": "labels/nuclei: no such group"},
    ]
    assert info["problems"] == ["labels/nuclei: no such group"]


def test_a_float_label_image_is_marked_and_opens_as_a_plain_image(engine, image):
    probability = cells().astype(np.float32) / 3
    write_labels(zarr.open_group(str(image), mode="r+"), "probability", [probability], "0.4")
    info = _opens(engine, image)
    error = "labels/probability: has dtype float32; label ids must be integers"
    assert info["labels"][1] == {
        "name": "probability",
        "path": "labels/probability",
        "error": error,
    }
    assert info["problems"] == [error]
    own = _opens(engine, image, "labels/probability")
    assert own["image_label"] is None
    assert own["problems"] == [
        "image-label: label ids must be integers, but this image has dtype float32; "
        "it is shown as a plain image"
    ]


def test_colours_that_are_not_rgba_are_skipped_one_by_one(engine, image):
    colors: list[Any] = [
        {"label-value": 1, "rgba": [255, 0, 0, 255]},
        {"label-value": 2, "rgba": "green"},
        {"label-value": 3, "rgba": [0, 255, 0]},
        {"label-value": 4, "rgba": [0, 256, 0, 255]},
        {"label-value": 5, "rgba": [1.0, 0.0, 0.0, 1.0]},
        {"label-value": "6", "rgba": [0, 0, 255, 255]},
        {"rgba": [0, 0, 255, 255]},
        [7, [0, 0, 255, 255]],
        {"label-value": 1, "rgba": [0, 0, 0, 255]},
        {"label-value": 8.0, "rgba": [0, 0, 255, 255]},
        {"label-value": 9},
    ]
    set_ome_attrs(image / "labels" / "cells", **{"image-label": {"colors": colors}})
    info = _opens(engine, image, "labels/cells")
    assert info["image_label"]["colors"] == [
        {"label-value": 1, "rgba": [255, 0, 0, 255]},
        {"label-value": 8, "rgba": [0, 0, 255, 255]},
    ]
    rgba = "not 4 integers from 0 to 255; it is skipped"
    assert info["problems"] == [
        f"image-label: colors[1] (label-value 2) has rgba 'green', {rgba}",
        f"image-label: colors[2] (label-value 3) has rgba [0, 255, 0], {rgba}",
        f"image-label: colors[3] (label-value 4) has rgba [0, 256, 0, 255], {rgba}",
        f"image-label: colors[4] (label-value 5) has rgba [1.0, 0.0, 0.0, 1.0], {rgba}",
        "image-label: colors[5] has label-value '6', not an integer; it is skipped",
        "image-label: colors[6] has label-value 'none', not an integer; it is skipped",
        "image-label: colors[7] is a list, not an object; it is skipped",
        "image-label: colors[8] repeats label-value 1; the first colour for it is kept",
        f"image-label: colors[10] (label-value 9) has rgba 'none', {rgba}",
    ]
    # The image the label image belongs to lists it as it did: colours are its own business.
    assert _opens(engine, image)["labels"][0]["error"] is None


def test_a_labels_attribute_that_is_not_a_list(engine, image):
    set_ome_attrs(image / "labels", labels="cells")
    info = _opens(engine, image)
    assert info["labels"] == []
    assert info["problems"] == [
        "labels: the 'labels' attribute must be a list of label image names, not a string ('cells')"
    ]


@pytest.mark.parametrize(
    ("spoil", "error"),
    [
        (
            "no multiscales",
            "labels/cells: is not a multiscale image (it has no 'multiscales' metadata)",
        ),
        ("no image-label", "labels/cells: has no 'image-label' metadata"),
        ("level missing", "labels/cells: its level '0' is missing"),
        ("an array", "labels/cells: is an array, not a multiscale label image"),
        (
            "a dataset without a path",
            "labels/cells: its multiscales metadata is not valid (it has no 'path')",
        ),
        (
            "datasets empty",
            "labels/cells: its multiscales metadata is not valid "
            "(OME-NGFF multiscales[0] has no 'datasets')",
        ),
    ],
)
def test_a_label_image_that_is_not_one(engine, image, spoil, error):
    cells_path = image / "labels" / "cells"
    attrs = ome_attrs(cells_path)
    if spoil == "no multiscales":
        del attrs["multiscales"]
    elif spoil == "no image-label":
        del attrs["image-label"]
    elif spoil == "level missing":
        attrs["multiscales"][0]["datasets"][0]["path"] = "0"
    elif spoil == "a dataset without a path":
        del attrs["multiscales"][0]["datasets"][0]["path"]
    elif spoil == "datasets empty":
        attrs["multiscales"][0]["datasets"] = []
    if spoil == "an array":
        zarr.create_array(
            str(cells_path), shape=(4, 4), dtype="uint8", zarr_format=2, overwrite=True
        )
    else:
        zarr.open_group(str(cells_path), mode="r+").attrs.put(attrs)
    info = _opens(engine, image)
    assert info["labels"] == [{"name": "cells", "path": "labels/cells", "error": error}]
    assert info["problems"] == [error]


def test_entries_that_name_no_label_image(engine, image):
    set_ome_attrs(image / "labels", labels=["cells", 7, "", "cells", "../0", {"name": "x"}])
    info = _opens(engine, image)
    # The live watcher stats the label images' metadata, but never out of the labels group.
    files = dataset_files(engine.open(image))
    assert files is not None
    assert not [key for key in files.metadata_keys() if ".." in key]
    assert info["labels"] == [
        {"name": "cells", "path": "labels/cells", "error": None},
        {
            "name": "../0",
            "path": "labels/../0",
            "error": "labels/../0: names a node outside the labels group",
        },
    ]
    assert info["problems"] == [
        "labels: entry 1 (7) is not the name of a label image",
        "labels: entry 2 ('') is not the name of a label image",
        "labels: 'cells' is listed more than once; it is shown once",
        "labels/../0: names a node outside the labels group",
        "labels: entry 5 ({'name': 'x'}) is not the name of a label image",
    ]


def test_a_labels_group_without_a_list_and_a_labels_array(engine, tmp_path, image):
    set_ome_attrs(image / "labels", labels=["cells"])
    zarr.open_group(str(image / "labels"), mode="r+").attrs.put({})
    info = _opens(engine, image)
    assert info["labels"] == []
    assert info["problems"] == [
        "labels: the group has no 'labels' attribute listing its label images"
    ]
    other = tmp_path / "array_labels.ome.zarr"
    write_image(other, "0.4").create_array("labels", shape=(4, 4), dtype="uint8")
    info = _opens(engine, other)
    assert info["labels"] == []
    assert info["problems"] == ["labels: is an array, not a group of label images"]


@pytest.mark.parametrize(
    ("image_label", "expected", "problems"),
    [
        (
            ["colors"],
            {"colors": [], "properties": [], "source": None},
            ["image-label: must be an object, not a list; the labels have no colours"],
        ),
        (
            {"colors": {"1": [1, 2, 3, 4]}},
            {"colors": [], "properties": [], "source": None},
            ["image-label: 'colors' must be a list, not an object"],
        ),
        (
            {"properties": [{"label-value": 1, "x": 1}, {"x": 2}], "source": {}},
            {
                "colors": [],
                "properties": [{"label-value": 1, "x": 1}],
                "source": {"image": "../../"},
            },
            ["image-label: properties[1] has label-value 'none', not an integer; it is skipped"],
        ),
        (
            {"source": {"image": 3}},
            {"colors": [], "properties": [], "source": None},
            ["image-label: source.image 3 is not a path"],
        ),
        (
            {"source": "../../"},
            {"colors": [], "properties": [], "source": None},
            ["image-label: 'source' must be an object, not a string"],
        ),
    ],
)
def test_image_label_metadata_that_is_partly_wrong(engine, image, image_label, expected, problems):
    set_ome_attrs(image / "labels" / "cells", **{"image-label": image_label})
    info = _opens(engine, image, "labels/cells")
    assert info["image_label"] == expected
    assert info["problems"] == problems


def test_what_has_no_labels_says_so(engine, tmp_path):
    array = tmp_path / "plain.zarr"
    zarr.create_array(str(array), shape=(4, 4), dtype="uint8")[...] = 1
    plain_image = tmp_path / "plain.ome.zarr"
    write_image(plain_image, "0.5")
    for source in (array, plain_image, np.zeros((4, 4), dtype=np.uint8)):
        info = engine.open(source).info()
        assert (info["labels"], info["image_label"], info["problems"]) == ([], None, [])


# -- live -------------------------------------------------------------------------------------
def test_a_label_image_written_while_the_image_is_viewed_is_told(engine, image):
    ds = engine.open(image)
    files = dataset_files(ds)
    assert files is not None
    assert {"labels/.zattrs", "labels/cells/.zattrs"} <= set(files.metadata_keys())
    poll = ChangePoll(ds, engine, lambda d: d.info())
    assert poll.look().events == []
    write_labels(zarr.open_group(str(image), mode="r+"), "nuclei", [cells("uint8")], "0.4")
    events = poll.look().events
    assert [name for name, _ in events] == ["change"]
    change = events[0][1]
    assert change["metadata"] is True
    assert [entry["name"] for entry in change["info"]["labels"]] == ["cells", "nuclei"]
    assert "labels/nuclei/.zattrs" in files.metadata_keys()


@pytest.mark.parametrize("version", ["0.4", "0.5"])
def test_the_sample_images_segmentation_is_a_label_image_of_it(tmp_path, version):
    from jupyter_zarrview.sample_data import SampleSpec, write_sample_image

    spec = SampleSpec(z=4, y=64, x=48, cells=5, levels=2, chunks=(2, 32, 32), labels=True)
    path = write_sample_image(tmp_path / "sample.ome.zarr", replace(spec, ome_version=version))
    image = open_dataset(str(path))
    assert image.info()["labels"] == [{"name": "cells", "path": "labels/cells", "error": None}]
    assert image.info()["problems"] == []
    cells = open_dataset(str(path), array="labels/cells")
    described = cells.info()
    assert [a["name"] for a in described["axes"]] == ["z", "y", "x"]
    assert described["image_label"]["colors"][0] == {"label-value": 1, "rgba": [255, 200, 0, 255]}
    ids = cells.read(0, (slice(None), slice(None), slice(None)))
    nuclei = image.read(0, (0, slice(None), slice(None), slice(None)))
    # The nuclei are bright where the segmentation has a cell, dim where it has none.
    assert nuclei[ids > 0].mean() > 3 * nuclei[ids == 0].mean()
    coarse = cells.read(1, (slice(None), slice(None), slice(None)))
    assert np.array_equal(coarse, ids[:, ::2, ::2])  # nearest: ids are never averaged
    # Placed as the image's levels are: the same scale and translation on z, y, x.
    assert [lv["scale"] for lv in described["levels"]] == [
        lv["scale"][1:] for lv in image.info()["levels"]
    ]
