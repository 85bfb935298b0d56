"""The bioformats2raw layout opens as a choice of its series, by the names the OME-XML gives."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import zarr
from label_stores import write_image

from jupyter_zarrview import open as open_dataset
from jupyter_zarrview.engine.errors import NotAnImage

if TYPE_CHECKING:
    from pathlib import Path

OME_XML = """<?xml version="1.0" encoding="UTF-8"?>
<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06">
  <Image ID="Image:0" Name="Well A1, field 1"><Pixels ID="Pixels:0" DimensionOrder="XYZCT"
    Type="uint16" SizeX="48" SizeY="32" SizeZ="1" SizeC="2" SizeT="1"/></Image>
  <Image ID="Image:1" Name="overview"><Pixels ID="Pixels:1" DimensionOrder="XYZCT"
    Type="uint16" SizeX="48" SizeY="32" SizeZ="1" SizeC="2" SizeT="1"/></Image>
</OME>
"""


def bioformats2raw(path: Path, *, series: list[str] | None = None, xml: str = OME_XML) -> Path:
    """The layout as bioformats2raw writes it (layout 3): series images, OME/ with the XML."""
    root = zarr.open_group(str(path), mode="w", zarr_format=2)
    root.attrs["bioformats2raw.layout"] = 3
    for name in series or ["0", "1"]:
        write_image(path / name, "0.4")
    ome = root.create_group("OME")
    if series is not None:
        ome.attrs["series"] = series
    (path / "OME" / "METADATA.ome.xml").write_text(xml)
    return path


def children(path: Path) -> list[dict]:
    with pytest.raises(NotAnImage) as caught:
        open_dataset(str(path))
    return caught.value.children


def test_the_series_are_offered_by_name(tmp_path):
    found = children(bioformats2raw(tmp_path / "scan.zarr"))
    assert [(c["path"], c["kind"], c.get("name")) for c in found] == [
        ("0", "image", "Well A1, field 1"),
        ("1", "image", "overview"),
    ]
    assert open_dataset(str(tmp_path / "scan.zarr"), array="1").levels[0].shape == (2, 32, 48)


def test_series_listed_in_ome_attributes_take_their_images_names(tmp_path):
    found = children(bioformats2raw(tmp_path / "scan.zarr", series=["0", "2"]))
    assert [(c["path"], c.get("name")) for c in found] == [
        ("0", "Well A1, field 1"),
        ("2", "overview"),
    ]


@pytest.mark.parametrize("xml", ["", "<OME><Image", '<!DOCTYPE x [<!ENTITY a "b">]><OME/>'])
def test_metadata_that_is_not_ome_xml_leaves_the_series_by_path(tmp_path, xml):
    found = children(bioformats2raw(tmp_path / "scan.zarr", xml=xml))
    assert [(c["path"], c.get("name")) for c in found] == [("0", None), ("1", None)]
