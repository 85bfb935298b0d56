"""OME-NGFF 0.4 and 0.5 metadata, modelled on the specification's multiscales examples."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytest
import zarr

from jupyter_zarrview.engine import EmptyPlate, open_dataset

AXES = [
    {"name": "t", "type": "time", "unit": "millisecond"},
    {"name": "c", "type": "channel"},
    {"name": "z", "type": "space", "unit": "micrometer"},
    {"name": "y", "type": "space", "unit": "micrometer"},
    {"name": "x", "type": "space", "unit": "micrometer"},
]


def multiscales(version: str | None) -> list[dict]:
    out = {
        "name": "example",
        "axes": AXES,
        "datasets": [
            {
                "path": str(i),
                "coordinateTransformations": [
                    {"type": "scale", "scale": [1.0, 1.0, 0.5, 0.5 * 2**i, 0.5 * 2**i]},
                    {"type": "translation", "translation": [0.0, 0.0, 0.0, 0.25 * i, 0.25 * i]},
                ],
            }
            for i in range(3)
        ],
        # Applied after each dataset's own: the time step, and an offset of the whole image.
        "coordinateTransformations": [
            {"type": "scale", "scale": [0.1, 1.0, 1.0, 1.0, 1.0]},
            {"type": "translation", "translation": [5.0, 0.0, 0.0, 10.0, 0.0]},
        ],
    }
    if version:
        out["version"] = version
    return [out]


OMERO = {
    "channels": [
        {
            "label": "LaminB1",
            "color": "0000FF",
            "active": True,
            "inverted": False,
            "window": {"min": 0.0, "max": 65535.0, "start": 10.0, "end": 1500.0},
        },
        {
            "label": "Dapi",
            "color": "FFFF00",
            "active": False,
            "inverted": True,
            "window": {"min": 0.0, "max": 65535.0, "start": 20.0, "end": 900.0},
        },
    ],
    "rdefs": {"defaultT": 0, "defaultZ": 1, "model": "color"},
}


def write_image(path, zarr_format: Literal[2, 3], attrs: dict) -> list[np.ndarray]:
    root = zarr.open_group(str(path), mode="w", zarr_format=zarr_format)
    root.attrs.update(attrs)
    levels = []
    data = np.arange(2 * 2 * 3 * 16 * 16, dtype=np.uint16).reshape(2, 2, 3, 16, 16)
    for i in range(3):
        level = data[..., :: 2**i, :: 2**i]
        arr = root.create_array(str(i), shape=level.shape, chunks=(1, 1, 3, 8, 8), dtype="uint16")
        arr[...] = level
        levels.append(level)
    return levels


@pytest.mark.parametrize(
    ("zarr_format", "attrs", "kind"),
    [
        (2, {"multiscales": multiscales("0.4"), "omero": OMERO}, "ome-ngff-0.4"),
        (
            3,
            {"ome": {"version": "0.5", "multiscales": multiscales(None), "omero": OMERO}},
            "ome-ngff-0.5",
        ),
    ],
)
def test_axes_levels_transforms_and_channels(tmp_path, zarr_format, attrs, kind):
    levels = write_image(tmp_path / "img.zarr", zarr_format, attrs)
    ds = open_dataset(tmp_path / "img.zarr")
    info = ds.info()
    assert info["kind"] == kind
    assert info["axes"] == [
        {"name": a["name"], "type": a["type"], "unit": a.get("unit")} for a in AXES
    ]
    assert info["channel_axis"] == 1
    assert [lv["shape"] for lv in info["levels"]] == [list(lv.shape) for lv in levels]
    # Top-level transformations compose after each dataset's: scale multiplies, and the
    # translation is scaled by the top-level scale before the top-level offset is added.
    assert info["levels"][2]["scale"] == [0.1, 1.0, 0.5, 2.0, 2.0]
    assert info["levels"][2]["translation"] == [5.0, 0.0, 0.0, 10.5, 0.5]
    assert info["channels"][1] == {
        "label": "Dapi",
        "color": "FFFF00",
        "active": False,
        "inverted": True,
        "window": {"min": 0.0, "max": 65535.0, "start": 20.0, "end": 900.0},
    }
    assert info["rdefs"] == OMERO["rdefs"]
    for i, level in enumerate(levels):
        assert np.array_equal(
            ds.read(i, (1, slice(None), 2, slice(None), slice(None))), level[1, :, 2]
        )


def test_where_a_group_has_both_versions_0_5_wins(tmp_path):
    newer = multiscales(None)
    newer[0]["name"] = "the 0.5 one"
    newer[0]["datasets"] = newer[0]["datasets"][:2]
    attrs = {"multiscales": multiscales("0.4"), "ome": {"version": "0.5", "multiscales": newer}}
    write_image(tmp_path / "both.zarr", 3, attrs)
    info = open_dataset(tmp_path / "both.zarr").info()
    assert info["kind"] == "ome-ngff-0.5"
    assert len(info["levels"]) == 2


def test_a_plate_with_no_wells_listed_offers_its_images_and_opens_them_by_array(tmp_path):
    root = zarr.open_group(str(tmp_path / "plate.zarr"), mode="w", zarr_format=2)
    root.attrs["plate"] = {"rows": [{"name": "A"}], "columns": [{"name": "1"}]}
    image = root.create_group("A/1/0")
    image.attrs["multiscales"] = [
        {
            "version": "0.4",
            "axes": AXES[2:],
            "datasets": [
                {
                    "path": "0",
                    "coordinateTransformations": [{"type": "scale", "scale": [1.0, 1.0, 1.0]}],
                }
            ],
        }
    ]
    arr = image.create_array("0", shape=(2, 8, 8), chunks=(1, 8, 8), dtype="uint8")
    arr[...] = 7
    with pytest.raises(EmptyPlate) as caught:
        open_dataset(tmp_path / "plate.zarr")
    assert caught.value.children == [
        {"path": "A/1/0", "kind": "image", "shape": [2, 8, 8], "dtype": "uint8"}
    ]
    assert str(caught.value) == (
        "'plate.zarr' is a plate whose metadata lists no wells, so it has no wells to show"
    )
    assert caught.value.parameter == "path"
    well = open_dataset(tmp_path / "plate.zarr", array="A/1/0")
    assert well.read(0, (1, slice(None), slice(None))).tolist() == [[7] * 8] * 8
