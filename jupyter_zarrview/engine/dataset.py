"""``Dataset``: one image (or array) as the viewer sees it, with its levels, axes and channels."""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import BadParameter
from .selection import Selection, normalize_selection, parse_selection, selection_text
from .stats import selection_stats

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Sequence

    from .cache import ByteLRU
    from .model import Axis, Channel, ImageLabel, LabelEntry, Level, PlateLayout
    from .readers import ArrayReader

__all__ = ["Dataset", "Snapshot"]

PROTOCOL_VERSION = 1


@dataclass(frozen=True)
class Snapshot:
    """What one reading of the metadata found; ``Dataset.refresh`` swaps in a new one."""

    name: str
    kind: str
    axes: tuple[Axis, ...]
    levels: tuple[Level, ...]
    readers: tuple[ArrayReader, ...]
    dtype: np.dtype
    fill_value: Any
    channel_axis: int | None
    channels: tuple[Channel, ...]
    rdefs: dict[str, Any] | None
    live: bool
    #: The zarr store it was read from, where that is a remote one (its keys are polled).
    store: Any = None
    #: The label images its ``labels`` group lists (OME-NGFF images only).
    labels: tuple[LabelEntry, ...] = ()
    #: Its own ``image-label`` metadata, when it is a label image.
    image_label: ImageLabel | None = None
    #: Metadata that was skipped or is wrong, each in a sentence; none of it stopped the open.
    problems: tuple[str, ...] = ()
    #: How the wells (or fields) are laid out, when this is a plate's (or a well's) mosaic.
    plate: PlateLayout | None = None

    def description(self) -> dict[str, Any]:
        return {
            "protocol": PROTOCOL_VERSION,
            "name": self.name,
            "kind": self.kind,
            "dtype": self.dtype.newbyteorder("=").name,
            "fill_value": _json_number(self.fill_value),
            "axes": [a.to_dict() for a in self.axes],
            "channel_axis": self.channel_axis,
            "channels": [c.to_dict() for c in self.channels],
            "levels": [lv.to_dict() for lv in self.levels],
            "rdefs": self.rdefs,
            "live": self.live,
            "labels": [entry.to_dict() for entry in self.labels],
            "image_label": None if self.image_label is None else self.image_label.to_dict(),
            "problems": list(self.problems),
            "plate": None if self.plate is None else self.plate.to_dict(),
        }


def _json_number(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    return f


class Dataset:
    """An image's levels and metadata, and exact reads of any selection of any level.

    Reads are thread-safe. ``refresh()`` re-reads the metadata of data that is still being
    written; reads after it never see what was cached before it.
    """

    def __init__(
        self, opener: Callable[[], Snapshot], key: Hashable, cache: ByteLRU | None = None
    ) -> None:
        self._opener = opener
        self.key = key
        self._cache = cache
        self._lock = threading.Lock()
        self._generation = 0
        # When the readers were opened: a chunk file written since may be missed by the caches
        # they keep (see chunk_files.DatasetFiles.tile_signature).
        self.opened_ns = time.time_ns()
        self._snapshot = opener()
        self._meta_hash = self._hash(self._snapshot)

    @staticmethod
    def _hash(snapshot: Snapshot) -> str:
        text = json.dumps(snapshot.description(), sort_keys=True, default=str)
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    # -- description ---------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._snapshot.name

    @property
    def axes(self) -> tuple[Axis, ...]:
        return self._snapshot.axes

    @property
    def levels(self) -> tuple[Level, ...]:
        return self._snapshot.levels

    @property
    def dtype(self) -> np.dtype:
        return self._snapshot.dtype.newbyteorder("<")

    @property
    def fill_value(self) -> Any:
        return self._snapshot.fill_value

    @property
    def channel_axis(self) -> int | None:
        return self._snapshot.channel_axis

    @property
    def channels(self) -> tuple[Channel, ...]:
        return self._snapshot.channels

    @property
    def store(self) -> Any:
        """The remote zarr store the data is read from, or None."""
        return self._snapshot.store

    @property
    def version(self) -> str:
        """Changes when the metadata changes, and at every refresh (chunks may have changed)."""
        return f"{self._meta_hash}.{self._generation}"

    def info(self) -> dict[str, Any]:
        """The protocol's ``info`` answer (docs/protocol.md)."""
        out = self._snapshot.description()
        out["version"] = self.version
        return out

    # -- reading -------------------------------------------------------------------------
    def _level(self, level: int) -> int:
        count = len(self._snapshot.levels)
        if isinstance(level, bool) or not isinstance(level, (int, np.integer)):
            raise BadParameter(
                f"level must be an integer, got {level!r}",
                parameter="level",
                expected=f"an integer from 0 to {count - 1}",
            )
        if not 0 <= level < count:
            raise BadParameter(
                f"level {level} is out of range: this image has levels 0..{count - 1}",
                parameter="level",
                expected=f"an integer from 0 to {count - 1}",
            )
        return int(level)

    def selection(
        self, level: int, selection: str | int | slice | Sequence[int | slice]
    ) -> Selection:
        """``selection`` checked and normalized against ``level``'s shape."""
        shape = self._snapshot.levels[self._level(level)].shape
        if isinstance(selection, str):
            return parse_selection(selection, shape)
        if isinstance(selection, (int, slice)):
            # A lone index or slice, as numpy takes it for a 1-D array.
            return normalize_selection((selection,), shape)
        return normalize_selection(tuple(selection), shape)

    def read(self, level: int, selection: str | Sequence[int | slice]) -> np.ndarray:
        """Exactly ``level_array[selection]``, little-endian and C-contiguous."""
        level = self._level(level)
        sel = self.selection(level, selection)
        snapshot, version = self._snapshot, self.version
        key = self._cache_key(level, sel, version)
        if self._cache is None:
            return snapshot.readers[level].read(sel)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        # The planes beside it, when its chunks gave them too: what the viewer reads next.
        out, neighbours = snapshot.readers[level].read_around(sel)
        for near, plane in neighbours:
            self._cache.put(self._cache_key(level, near, version), plane)
        self._cache.put(key, out)
        return out

    def cached(self, level: int, selection: str | Sequence[int | slice]) -> np.ndarray | None:
        """What :meth:`read` would answer from the cache, or None: never touches the store."""
        if self._cache is None:
            return None
        level = self._level(level)
        return self._cache.get(self._cache_key(level, self.selection(level, selection)))

    def _cache_key(self, level: int, sel: Selection, version: str | None = None) -> Hashable:
        return (self.key, version or self.version, level, selection_text(sel))

    def stats(
        self,
        level: int | None = None,
        selection: str | Sequence[int | slice] | None = None,
        bins: int = 256,
    ) -> dict[str, Any]:
        """Histogram and percentiles per channel, for auto-contrast (protocol ``stats``)."""
        if level is None:
            level = len(self._snapshot.levels) - 1
        level = self._level(level)
        if not isinstance(bins, int) or isinstance(bins, bool) or not 1 <= bins <= 4096:
            raise BadParameter(
                f"bins must be an integer from 1 to 4096, got {bins!r}",
                parameter="bins",
                expected="an integer from 1 to 4096",
            )
        shape = self._snapshot.levels[level].shape
        sel = (
            tuple(slice(0, n, 1) for n in shape)
            if selection is None
            else self.selection(level, selection)
        )
        return selection_stats(
            lambda s: self._snapshot.readers[level].read(s),
            sel,
            self._snapshot.channel_axis,
            level,
            bins,
        )

    # -- growth --------------------------------------------------------------------------
    def refresh(self) -> bool:
        """Re-reads the metadata (a job may have grown the array). True if it changed."""
        with self._lock:
            opened_ns = time.time_ns()
            snapshot = self._opener()
            meta_hash = self._hash(snapshot)
            self.opened_ns = opened_ns
            changed = meta_hash != self._meta_hash
            old_key = self.key
            self._snapshot, self._meta_hash = snapshot, meta_hash
            self._generation += 1
        if self._cache is not None:
            self._cache.drop(lambda k: isinstance(k, tuple) and k[:1] == (old_key,))
        return changed
