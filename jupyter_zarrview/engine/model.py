"""Value objects of a dataset's description: axes, pyramid levels, channels, label images, and
the layout of a plate's (or a well's) mosaic."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "Axis",
    "Channel",
    "ImageLabel",
    "LabelEntry",
    "Level",
    "MosaicCell",
    "PlateLayout",
    "json_id",
]

# The largest integer a JavaScript number holds exactly (Number.MAX_SAFE_INTEGER).
_MAX_SAFE_INTEGER = 2**53 - 1


@dataclass(frozen=True)
class Axis:
    name: str
    type: str | None = None  # "time", "channel", "space", or None when unknown
    unit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Level:
    """One pyramid level: where it lives in the store and where its pixels sit in space."""

    path: str
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    scale: tuple[float, ...]
    translation: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "shape": list(self.shape),
            "chunks": list(self.chunks),
            "scale": list(self.scale),
            "translation": list(self.translation),
        }


@dataclass(frozen=True)
class Channel:
    label: str
    color: str  # "RRGGBB"
    window: tuple[float, float, float, float]  # min, max, start, end
    active: bool = True
    inverted: bool = False

    def to_dict(self) -> dict[str, Any]:
        lo, hi, start, end = self.window
        return {
            "label": self.label,
            "color": self.color,
            "active": self.active,
            "inverted": self.inverted,
            "window": {"min": lo, "max": hi, "start": start, "end": end},
        }


def json_id(value: int) -> int | str:
    """A label id as JSON a browser reads exactly: a number, or past 2**53 - 1 a decimal string."""
    return value if -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER else str(value)


@dataclass(frozen=True)
class LabelEntry:
    """One label image an image's ``labels`` group lists, and what is wrong with it, if anything."""

    name: str
    path: str  # relative to the image: "labels/<name>"
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "error": self.error}


@dataclass(frozen=True)
class ImageLabel:
    """The ``image-label`` metadata of a label image, its invalid entries already left out."""

    colors: tuple[tuple[int, tuple[int, int, int, int]], ...] = ()  # label value, rgba
    properties: tuple[dict[str, Any], ...] = ()  # each with an integer "label-value"
    source: str | None = None  # the image the labels are of, relative to this one ("../../")

    def to_dict(self) -> dict[str, Any]:
        return {
            "colors": [
                {"label-value": json_id(value), "rgba": list(rgba)} for value, rgba in self.colors
            ],
            "properties": [
                {**p, "label-value": json_id(p["label-value"])} for p in self.properties
            ],
            "source": None if self.source is None else {"image": self.source},
        }


@dataclass(frozen=True)
class MosaicCell:
    """One cell of a plate's mosaic (a well) or of a well's (a field), and what it shows."""

    path: str  # what opens it: a well relative to the plate ("B/3"), a field to the well ("0")
    row: int
    column: int
    field: str | None  # the field drawn there, relative to the well; None when there is none
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "error": self.error,
        }


@dataclass(frozen=True)
class PlateLayout:
    """How a plate's wells (or a well's fields) are laid out in its mosaic image."""

    name: str | None
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    wells: tuple[MosaicCell, ...]
    cell: tuple[int, int]  # a cell's height and width at level 0
    fields: tuple[str, ...] | None = None  # a well's fields in grid order; None for a plate

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": list(self.rows),
            "columns": list(self.columns),
            "wells": [w.to_dict() for w in self.wells],
            "cell": list(self.cell),
            "fields": None if self.fields is None else list(self.fields),
        }
