"""Coordinate transformations: what reduces to scale and translation is drawn, the rest refused."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pytest
import zarr

from jupyter_zarrview.engine import NotZarr, open_dataset
from jupyter_zarrview.engine.transforms import scale_and_translation

if TYPE_CHECKING:
    from pathlib import Path


def test_scale_then_translation_and_sequences_compose_in_order():
    raw = [
        {"type": "scale", "scale": [2, 0.5]},
        {"type": "sequence", "transformations": [{"type": "translation", "translation": [1, 3]}]},
        {"type": "identity"},
        {"type": "scale", "scale": [10, 1]},
    ]
    assert scale_and_translation(raw, 2) == ((20.0, 0.5), (10.0, 3.0))


def test_an_affine_or_rotation_without_rotation_or_shear_reduces():
    affine = {"type": "affine", "affine": [[2, 0, 5], [0, 3, -1]]}
    assert scale_and_translation([affine], 2) == ((2.0, 3.0), (5.0, -1.0))
    rotation = {"type": "rotation", "rotation": [[1, 0], [0, 1]]}
    assert scale_and_translation([rotation], 2) == ((1.0, 1.0), (0.0, 0.0))


@pytest.mark.parametrize(
    ("transform", "message"),
    [
        ({"type": "affine", "affine": [[0, 1, 0], [1, 0, 0]]}, "that rotate or shear"),
        ({"type": "rotation", "rotation": [[0, -1], [1, 0]]}, "that rotate or shear"),
        ({"type": "displacements", "path": "d"}, "type 'displacements' are not supported"),
        ({"type": "mapAxis", "mapAxis": {"x": "y"}}, "type 'mapAxis' are not supported"),
        ({"type": "scale", "path": "s"}, "stored in an array"),
        ({"type": "scale", "scale": [1, 2, 3]}, "3 values for 2 axes"),
        ({"type": "translation", "translation": ["a", 1]}, "must be numbers"),
        ({"type": "affine", "affine": [[1, 0]]}, "2 rows of 3 numbers"),
    ],
)
def test_what_does_not_reduce_is_refused_saying_what(transform, message):
    with pytest.raises(NotZarr, match=message):
        scale_and_translation([transform], 2)


def _rfc5_image(path: Path, transforms: list[dict]) -> None:
    """An image as the 0.6 draft (RFC-5) writes it: axes in a coordinate system."""
    root = zarr.open_group(str(path), mode="w", zarr_format=3)
    root.create_array("s0", shape=(8, 10), dtype="uint8")[...] = np.arange(80).reshape(8, 10)
    system = {
        "name": "physical",
        "axes": [
            {"name": "y", "type": "space", "unit": "micrometer"},
            {"name": "x", "type": "space", "unit": "micrometer"},
        ],
    }
    dataset = {"path": "s0", "coordinateTransformations": transforms}
    multiscale = {"coordinateSystems": [system], "datasets": [dataset]}
    ome = {"version": "0.6", "multiscales": [multiscale]}
    meta = json.loads((path / "zarr.json").read_text())
    meta["attributes"] = {"ome": ome}
    (path / "zarr.json").write_text(json.dumps(meta))


def test_an_rfc5_image_opens_with_its_axes_and_reduced_transformations(tmp_path):
    transforms = [
        {
            "type": "sequence",
            "input": "s0",
            "output": "physical",
            "transformations": [
                {"type": "scale", "scale": [0.5, 0.25]},
                {"type": "translation", "translation": [10, 20]},
            ],
        }
    ]
    _rfc5_image(tmp_path / "rfc5.ome.zarr", transforms)
    info = open_dataset(str(tmp_path / "rfc5.ome.zarr")).info()
    axes = [(a["name"], a["unit"]) for a in info["axes"]]
    assert axes == [("y", "micrometer"), ("x", "micrometer")]
    assert (info["levels"][0]["scale"], info["levels"][0]["translation"]) == ([0.5, 0.25], [10, 20])


def test_an_image_that_cannot_be_placed_is_refused_with_what_is_not_supported(tmp_path):
    _rfc5_image(tmp_path / "warped.ome.zarr", [{"type": "displacements", "path": "field"}])
    with pytest.raises(NotZarr, match="type 'displacements' are not supported"):
        open_dataset(str(tmp_path / "warped.ome.zarr"))
