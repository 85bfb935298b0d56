"""Readers: one per way of getting pixels out of a level, all with the same small surface.

tensorstore reads local Zarr (v2 and v3, sharded too) an order of magnitude faster than
zarr-python, so local arrays go through it; zarr-python reads everything else (zip, memory and
fsspec stores, codecs tensorstore lacks); in-kernel arrays (numpy, dask) are indexed directly.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .cache import SeenBefore
from .errors import ChunkNotReady, UnsupportedDtype, store_failure
from .selection import Selection, chunk_box

if TYPE_CHECKING:
    from pathlib import Path

    import tensorstore as ts
    import zarr

__all__ = [
    "ArrayReader",
    "InMemoryReader",
    "Neighbour",
    "TensorstoreReader",
    "ZarrReader",
    "check_wire_dtype",
    "to_wire_order",
]

log = logging.getLogger(__name__)

_WIRE_KINDS = "biuf"  # bool, signed, unsigned, float: what a JS TypedArray can hold


class ArrayReader(Protocol):
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    dtype: np.dtype
    fill_value: Any

    def read(self, selection: Selection) -> np.ndarray: ...

    def read_around(self, selection: Selection) -> tuple[np.ndarray, list[Neighbour]]:
        """``read(selection)``, and the neighbouring planes the same decoding gave for free."""
        ...


#: A plane next to the one asked for, as its selection and its pixels.
Neighbour = tuple[Selection, np.ndarray]


def to_wire_order(a: np.ndarray) -> np.ndarray:
    """C-contiguous and little-endian: what the wire carries, copied only when needed."""
    if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and np.little_endian is False):
        a = a.astype(a.dtype.newbyteorder("<"))
    # np.ascontiguousarray would turn a 0-d answer into a 1-d one.
    return a if a.flags.c_contiguous else a.copy(order="C")


def check_wire_dtype(dtype: np.dtype, what: str) -> None:
    """Raises ``UnsupportedDtype`` for a dtype the wire cannot carry, naming ``what`` has it."""
    if dtype.kind not in _WIRE_KINDS or dtype.itemsize > 8 or dtype.fields:
        raise UnsupportedDtype(
            f"{what} has dtype {dtype}, which the viewer cannot show",
            parameter="array",
            expected="a boolean, integer or float dtype of at most 8 bytes",
        )


class TensorstoreReader:
    """A local Zarr array read by tensorstore; chunks read twice stay in the engine's cache.

    Two handles on the array: one whose decoded chunks go to the engine's cache pool, one with
    no cache at all. A read goes through the cached handle only when an earlier read touched the
    same chunks (another plane of the same chunk slab, or the same tile again), which is what a
    scrub does. A plane that is looked at once (a jump) is read as tensorstore reads it without
    a cache: keeping a slab's decoded chunks costs fresh memory for all of them, 64 planes'
    worth for a plane of 64^3 chunks, which made such reads about 1.5 times slower and filled
    the cache with slabs nobody scrubbed (docs/engine.md, "Cold reads").

    A jump into a slab that is deeper than one plane also gives the planes on either side of
    the one asked for (``read_around``): they come out of the chunks already decoded, and they
    are what the viewer reads ahead as soon as the plane is shown, so looking at a plane costs
    one decoding of its chunks and scrubbing on from it one more, to keep them.
    """

    #: Chunk boxes remembered per array: far more than the tiles of the planes on screen.
    SEEN_KEYS = 4096

    def __init__(self, path: Path, zarr_format: int, meta: zarr.Array, context: ts.Context) -> None:
        import tensorstore as ts

        spec = {
            "driver": "zarr3" if zarr_format == 3 else "zarr",
            "kvstore": {"driver": "file", "path": str(path) + "/"},
            # Cached chunks are checked again at the next open, which is what refresh() does:
            # a chunk that was missing and has since been written is then read anew.
            "recheck_cached_data": "open",
            "recheck_cached_metadata": "open",
        }
        # The same thread pools as the engine's context, without its cache pool.
        uncached = ts.Context(ts.Context.Spec({"cache_pool": {"total_bytes_limit": 0}}), context)
        self._cached = ts.open(spec, read=True, open=True, context=context).result()
        self._uncached = ts.open(spec, read=True, open=True, context=uncached).result()
        self._seen = SeenBefore(self.SEEN_KEYS)
        self.shape = tuple(int(s) for s in self._cached.shape)
        self.chunks = tuple(int(c) for c in meta.chunks)
        # What tensorstore decodes and caches: the inner chunks of a sharded array.
        inner = self._cached.chunk_layout.read_chunk.shape or self.chunks
        self._read_chunks = tuple(
            int(c) if c else m for c, m in zip(inner, self.chunks, strict=True)
        )
        self.dtype = np.dtype(meta.dtype)
        self.fill_value = meta.fill_value
        if self.shape != tuple(meta.shape):
            raise ValueError("tensorstore and zarr disagree on the shape")

    def read(self, selection: Selection) -> np.ndarray:
        again = self._seen.check(chunk_box(selection, self._read_chunks))
        return self._read(self._cached if again else self._uncached, selection)

    def read_around(self, selection: Selection) -> tuple[np.ndarray, list[Neighbour]]:
        if self._seen.check(chunk_box(selection, self._read_chunks)):
            return self._read(self._cached, selection), []
        axis = self._deep_index_axis(selection)
        if axis is None:
            return self._read(self._uncached, selection), []
        index = selection[axis]
        assert isinstance(index, int)
        first = index - index % self._read_chunks[axis]
        lo = max(first, index - 1)
        hi = min(first + self._read_chunks[axis], self.shape[axis], index + 2)
        wide = list(selection)
        wide[axis] = slice(lo, hi, 1)
        if hi - lo == 1:
            return self._read(self._uncached, selection), []
        block = self._read(self._uncached, tuple(wide))
        # Where the widened axis lands in the answer: after the slices before it.
        at: tuple[slice, ...] = (slice(None),) * sum(isinstance(s, slice) for s in selection[:axis])
        out, neighbours = None, []
        for i in range(lo, hi):
            # Each plane a copy of its own, so that a cached answer holds only its own bytes.
            take: tuple[slice | int, ...] = (*at, i - lo)
            plane = block[take].copy(order="C")
            if i == index:
                out = plane
            else:
                neighbours.append(((*selection[:axis], i, *selection[axis + 1 :]), plane))
        assert out is not None
        return out, neighbours

    def _deep_index_axis(self, selection: Selection) -> int | None:
        """The one indexed axis whose chunks hold more than that index, if there is one."""
        deep = [
            axis
            for axis, entry in enumerate(selection)
            if not isinstance(entry, slice) and self._read_chunks[axis] > 1
        ]
        return deep[0] if len(deep) == 1 else None

    def _read(self, store: ts.TensorStore, selection: Selection) -> np.ndarray:
        try:
            out = store[selection].read().result()
        except ValueError as exc:
            raise ChunkNotReady(f"a chunk could not be read: {exc}") from exc
        return to_wire_order(np.asarray(out, dtype=self.dtype.newbyteorder("=")))


class ZarrReader:
    """Any zarr-python array: zip, memory and fsspec stores, and what tensorstore cannot open."""

    def __init__(self, array: zarr.Array) -> None:
        self._array = array
        self._remote = type(array.store).__name__ == "FsspecStore"
        self.shape = tuple(int(s) for s in array.shape)
        self.chunks = tuple(int(c) for c in array.chunks)
        self.dtype = np.dtype(array.dtype)
        self.fill_value = array.fill_value

    def read(self, selection: Selection) -> np.ndarray:
        try:
            out = self._array[selection]
        except Exception as exc:
            # A remote store that refuses or cannot be reached says so; the message about
            # decoding would send the reader looking at the data.
            failure = store_failure(exc, "a chunk could not be read") if self._remote else None
            if failure is not None:
                raise failure from exc
            if isinstance(exc, (ValueError, RuntimeError, TypeError, OSError, KeyError)):
                # numcodecs and zarr report a truncated or half-written chunk in many ways.
                raise ChunkNotReady(f"a chunk could not be decoded: {exc}") from exc
            raise
        return to_wire_order(np.asarray(out))

    def read_around(self, selection: Selection) -> tuple[np.ndarray, list[Neighbour]]:
        return self.read(selection), []


class InMemoryReader:
    """numpy and dask arrays (and anything with shape, dtype and numpy indexing)."""

    def __init__(self, array: Any) -> None:
        self._array = array
        self.shape = tuple(int(s) for s in array.shape)
        chunks = getattr(array, "chunksize", None)
        self.chunks = tuple(int(c) for c in chunks) if chunks is not None else self.shape
        self.dtype = np.dtype(array.dtype)
        self.fill_value = None

    def read(self, selection: Selection) -> np.ndarray:
        out = self._array[selection]
        if hasattr(out, "compute"):
            out = out.compute()
        return to_wire_order(np.asarray(out))

    def read_around(self, selection: Selection) -> tuple[np.ndarray, list[Neighbour]]:
        return self.read(selection), []
