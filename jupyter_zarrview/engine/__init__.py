"""The data engine: open any Zarr (or array), describe it, read exact planes fast.

Nothing here knows about HTTP or widgets; the transports are thin adapters over it.
"""

from __future__ import annotations

from .dataset import Dataset
from .engine import Engine, default_engine, open_dataset
from .errors import (
    BadParameter,
    ChunkNotReady,
    EmptyPlate,
    NotAnImage,
    NotFound,
    NotZarr,
    PathNotAllowed,
    SelectionTooLarge,
    StoreUnavailable,
    UnsupportedDtype,
    ZarrViewError,
)
from .model import Axis, Channel, Level
from .selection import normalize_selection, parse_selection

__all__ = [
    "Axis",
    "BadParameter",
    "Channel",
    "ChunkNotReady",
    "Dataset",
    "EmptyPlate",
    "Engine",
    "Level",
    "NotAnImage",
    "NotFound",
    "NotZarr",
    "PathNotAllowed",
    "SelectionTooLarge",
    "StoreUnavailable",
    "UnsupportedDtype",
    "ZarrViewError",
    "default_engine",
    "normalize_selection",
    "open_dataset",
    "parse_selection",
]
