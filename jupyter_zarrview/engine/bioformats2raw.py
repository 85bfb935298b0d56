"""The bioformats2raw layout: a root group whose series ``0``, ``1``, … are images, described by
``OME/METADATA.ome.xml``. The root is not an image; what it offers to pick from are its series,
by the names the microscope gave them.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from typing import Any

from .nodes import node_attrs

__all__ = ["is_bioformats2raw", "series_names"]

log = logging.getLogger(__name__)

#: OME-XML is read only this far: the names are near the top, and a file can be large.
MAX_XML_BYTES = 32 * 2**20


def is_bioformats2raw(group: Any) -> bool:
    attrs = node_attrs(group)
    ome = attrs.get("ome")
    layout = attrs.get("bioformats2raw.layout")
    if layout is None and isinstance(ome, dict):
        layout = ome.get("bioformats2raw.layout")
    return layout is not None


def _xml_bytes(group: Any) -> bytes | None:
    store = group.store
    from zarr.core.buffer import default_buffer_prototype
    from zarr.core.sync import sync

    key = "/".join(p for p in (group.path, "OME/METADATA.ome.xml") if p)
    try:
        buffer = sync(store.get(key, prototype=default_buffer_prototype()))
    except Exception:
        log.debug("cannot read %s", key, exc_info=True)
        return None
    if buffer is None:
        return None
    return bytes(buffer.to_bytes()[:MAX_XML_BYTES])


def series_names(group: Any) -> dict[str, str]:
    """``{series path: Image Name}`` from the OME-XML, in series order; {} where it says none.

    Series ``i`` is the ``i``-th ``Image`` unless ``OME/.zattrs`` (or ``zarr.json``) lists the
    series paths, as bioformats2raw writes when some images were not converted.
    """
    data = _xml_bytes(group)
    if not data:
        return {}
    try:
        # Expat refuses entity expansion bombs and ElementTree resolves no external entities.
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        log.debug("OME/METADATA.ome.xml is not XML: %s", exc)
        return {}
    names = [image.get("Name") or "" for image in root if image.tag.rsplit("}", 1)[-1] == "Image"]
    paths = [str(i) for i in range(len(names))]
    try:
        listed = node_attrs(group["OME"]).get("series")
    except Exception:
        listed = None
    if isinstance(listed, list) and len(listed) == len(names):
        paths = [str(p) for p in listed]
    return {path: name for path, name in zip(paths, names, strict=True) if name}
