"""OME-NGFF label images: what an image's ``labels`` group lists, and ``image-label`` metadata.

0.4 keeps ``labels`` and ``image-label`` in the Zarr v2 attributes, 0.5 under the ``ome`` key
of zarr.json. Nothing here stops an image from opening: every entry that is missing or wrong is
left out or marked, and said in a sentence that names it (``problems`` of ``info``).

Parsed by hand rather than with ome-zarr-models, whose models refuse, as a whole, metadata that
real writers produce: ome-zarr-py's colours for some of the label values that its properties
describe (the models want the two sets equal, which the specification does not ask), and
ome-zarr-py's 0.5 ``labels`` group, which has no ``version``. A model refuses the whole
``image-label`` for one bad colour, where the viewer keeps the others; and the package caps
pydantic below its current release, which a server extension would force on every Jupyter
environment it is installed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import zarr

from .errors import NotZarr
from .model import ImageLabel, LabelEntry
from .nodes import member, node_attrs
from .ome import ome_image

__all__ = ["MAX_LABELS", "MAX_LABEL_ENTRIES", "image_label", "label_entries", "ome_section"]

#: Label images of one image that are looked at; each costs two metadata reads.
MAX_LABELS = 256
#: Colours and properties kept per label image: they travel in every ``info`` answer.
MAX_LABEL_ENTRIES = 65536
# Integral floats above this are not the integers they were written as.
_EXACT_FLOAT = 2**53

_MISSING = object()


def ome_section(attrs: Mapping[str, Any], key: str) -> Any:
    """``key`` of the OME metadata: under ``ome`` (0.5) where it is there, else at the top (0.4).

    ``_MISSING`` when neither has it. Both places are looked in whatever the version, since
    stores converted between versions by hand often keep a key in the other place.
    """
    ome = attrs.get("ome")
    if isinstance(ome, Mapping) and key in ome:
        return ome[key]
    return attrs.get(key, _MISSING)


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return next((n for t, n in names.items() if isinstance(value, t)), "a number")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _integer(value: Any) -> int | None:
    # JSON has one kind of number: 1.0 is the integer 1 (as in JSON Schema), but 1.5 is not.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) <= _EXACT_FLOAT:
        return int(value)
    return None


# -- the list ---------------------------------------------------------------------------------
def label_entries(image_group: Any) -> tuple[tuple[LabelEntry, ...], list[str]]:
    """The label images ``image_group``'s ``labels`` group lists, in its order, and problems.

    Reads the metadata of the ``labels`` group, of each label image and of its first level,
    never their chunks or readers.
    """
    try:
        group = member(image_group, "labels")
    except KeyError:
        return (), []
    except Exception as exc:  # metadata that does not read: half-written, or refused
        return (), [f"labels: the group's metadata could not be read ({exc})"]
    if not isinstance(group, zarr.Group):
        return (), ["labels: is an array, not a group of label images"]
    listed = ome_section(node_attrs(group), "labels")
    if listed is _MISSING:
        return (), ["labels: the group has no 'labels' attribute listing its label images"]
    if not isinstance(listed, list):
        return (), [
            f"labels: the 'labels' attribute must be a list of label image names, "
            f"not {_kind(listed)} ({_shown(listed)})"
        ]
    entries: list[LabelEntry] = []
    problems: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(listed):
        if len(entries) == MAX_LABELS:
            problems.append(
                f"labels: lists {len(listed)} label images; only the first {MAX_LABELS} are shown"
            )
            break
        if not isinstance(name, str) or not name.strip("/"):
            problems.append(f"labels: entry {i} ({_shown(name)}) is not the name of a label image")
            continue
        parts = [p for p in name.split("/") if p]
        path = "/".join(["labels", *parts])
        if path in seen:
            problems.append(f"labels: {name!r} is listed more than once; it is shown once")
            continue
        seen.add(path)
        if "." in parts or ".." in parts:
            error: str | None = f"{path}: names a node outside the labels group"
        else:
            error = _entry_error(group, "/".join(parts), path)
        entries.append(LabelEntry(name=name, path=path, error=error))
        if error is not None:
            problems.append(error)
    return tuple(entries), problems


def _entry_error(group: Any, name: str, path: str) -> str | None:
    """What is wrong with the label image ``name`` of the labels ``group``, or None."""
    try:
        node = member(group, name)
    except KeyError:
        return f"{path}: no such group"
    except Exception as exc:
        return f"{path}: its metadata could not be read ({exc})"
    if not isinstance(node, zarr.Group):
        return f"{path}: is an array, not a multiscale label image"
    attrs = node_attrs(node)
    try:
        image = ome_image(attrs)
    except KeyError as exc:
        return f"{path}: its multiscales metadata is not valid (it has no {exc.args[0]!r})"
    except (NotZarr, TypeError, ValueError, AttributeError) as exc:
        return f"{path}: its multiscales metadata is not valid ({exc})"
    if image is None:
        return f"{path}: is not a multiscale image (it has no 'multiscales' metadata)"
    if ome_section(attrs, "image-label") is _MISSING:
        return f"{path}: has no 'image-label' metadata"
    level = image.paths[0]
    try:
        first = member(node, level)
    except KeyError:
        return f"{path}: its level {level!r} is missing"
    except Exception as exc:
        return f"{path}: its level {level!r} could not be read ({exc})"
    if not isinstance(first, zarr.Array):
        return f"{path}: its level {level!r} is a group, not an array"
    dtype = np.dtype(first.dtype)
    if dtype.kind not in "iu":
        return f"{path}: has dtype {dtype}; label ids must be integers"
    return None


# -- one label image --------------------------------------------------------------------------
def image_label(attrs: Mapping[str, Any], dtype: np.dtype) -> tuple[ImageLabel | None, list[str]]:
    """The ``image-label`` metadata of an image with these attributes, or None, and problems.

    A label image of another dtype than an integer one is shown as a plain image.
    """
    raw = ome_section(attrs, "image-label")
    if raw is _MISSING:
        return None, []
    if dtype.kind not in "iu":
        return None, [
            f"image-label: label ids must be integers, but this image has dtype {dtype}; "
            "it is shown as a plain image"
        ]
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        problems.append(
            f"image-label: must be an object, not {_kind(raw)}; the labels have no colours"
        )
        return ImageLabel(), problems
    return (
        ImageLabel(
            colors=_colors(raw.get("colors"), problems),
            properties=_properties(raw.get("properties"), problems),
            source=_source(raw.get("source", _MISSING), problems),
        ),
        problems,
    )


def _entries(raw: Any, key: str, problems: list[str]) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(f"image-label: {key!r} must be a list, not {_kind(raw)}")
        return []
    if len(raw) > MAX_LABEL_ENTRIES:
        problems.append(
            f"image-label: {key!r} has {len(raw)} entries; only the first "
            f"{MAX_LABEL_ENTRIES} are read"
        )
    return raw[:MAX_LABEL_ENTRIES]


def _label_value(entry: Any, where: str, problems: list[str]) -> int | None:
    if not isinstance(entry, Mapping):
        problems.append(f"{where} is {_kind(entry)}, not an object; it is skipped")
        return None
    value = _integer(entry.get("label-value"))
    if value is None:
        found = entry.get("label-value", "none")
        problems.append(f"{where} has label-value {_shown(found)}, not an integer; it is skipped")
    return value


def _rgba(value: Any) -> tuple[int, int, int, int] | None:
    # Floats are refused even when integral: a colour written in floats is most often one of
    # 0 to 1, which read as 0 to 255 would be near black.
    if not isinstance(value, list) or len(value) != 4:
        return None
    if not all(type(c) is int and 0 <= c <= 255 for c in value):
        return None
    return (value[0], value[1], value[2], value[3])


def _colors(raw: Any, problems: list[str]) -> tuple[tuple[int, tuple[int, int, int, int]], ...]:
    out: dict[int, tuple[int, int, int, int]] = {}
    for i, entry in enumerate(_entries(raw, "colors", problems)):
        where = f"image-label: colors[{i}]"
        value = _label_value(entry, where, problems)
        if value is None:
            continue
        rgba = _rgba(entry.get("rgba"))
        if rgba is None:
            found = _shown(entry.get("rgba", "none"))
            problems.append(
                f"{where} (label-value {value}) has rgba {found}, not 4 integers from 0 to 255; "
                "it is skipped"
            )
        elif value in out:
            problems.append(f"{where} repeats label-value {value}; the first colour for it is kept")
        else:
            out[value] = rgba
    return tuple(out.items())


def _properties(raw: Any, problems: list[str]) -> tuple[dict[str, Any], ...]:
    out: list[dict[str, Any]] = []
    for i, entry in enumerate(_entries(raw, "properties", problems)):
        value = _label_value(entry, f"image-label: properties[{i}]", problems)
        if value is not None:
            out.append({**entry, "label-value": value})
    return tuple(out)


def _source(raw: Any, problems: list[str]) -> str | None:
    if raw is _MISSING or raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.append(f"image-label: 'source' must be an object, not {_kind(raw)}")
        return None
    image = raw.get("image", "../../")  # the specification's default: the labels' own image
    if not isinstance(image, str):
        problems.append(f"image-label: source.image {_shown(image)} is not a path")
        return None
    return image
