"""A mosaic: one image whose cells are other images (a plate's wells, a well's fields).

Level L of the mosaic lays the cells' level-L arrays out by row and column on its last two
axes (y, x); every other axis is the first field's. A read touches only the cells its selection
falls in, each read from its own field at that level and placed at the cell's top-left; the
rest of the answer is the fill value. A field is opened (its metadata read, then a reader per
level) the first time a read touches it, never when the mosaic is described, so that a plate of
hundreds of wells opens at the cost of their ``well`` metadata alone.

A field that cannot be drawn (missing, not an image, another dtype than the first field's, no
such level) is fill, and said once in the log; so is a read of it that fails. Only when every
cell a read touched failed for a reason that passes (a chunk being written, a store that cannot
be reached) is the failure raised, so that the client retries rather than keeps a blank tile.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import zarr
from zarr.errors import ContainsArrayError, ContainsGroupError

from .errors import ChunkNotReady, NotZarr, ZarrViewError
from .nodes import node_attrs
from .ome import OmeImage, ome_image
from .priority import as_nice_as_reads
from .readers import check_wire_dtype
from .selection import selection_shape

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .readers import ArrayReader, Neighbour
    from .selection import Selection

__all__ = [
    "WELL_THREADS",
    "Field",
    "FieldError",
    "MosaicReader",
    "Reference",
    "cell_spans",
    "well_pool",
]

log = logging.getLogger(__name__)

#: Threads that read the cells of one mosaic read at once (shared by every mosaic).
WELL_THREADS = 16


class FieldError(Exception):
    """Why a field cannot be drawn, in a sentence that starts with where it is.

    ``quiet`` for a field that is not there (yet): a plate being acquired has many.
    """

    def __init__(self, message: str, *, quiet: bool = False) -> None:
        super().__init__(message)
        self.quiet = quiet


@dataclass(frozen=True)
class Reference:
    """What every field of a mosaic must have to be drawn: the first field's dtype and axes."""

    dtype: np.dtype
    ndim: int
    where: str


# -- the pool ---------------------------------------------------------------------------------
# The engine's reads run on its executor and wait here for their cells: waiting on that same
# executor from inside one of its tasks would deadlock once every worker waits, so the cells
# have threads of their own. Nothing that runs on them waits on them in turn.
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_on_pool = threading.local()


def _start_pool_thread() -> None:
    _on_pool.active = True
    as_nice_as_reads()


def well_pool() -> ThreadPoolExecutor | None:
    """The cells' threads, or None on one of them (where a read must not wait for another)."""
    global _pool
    if getattr(_on_pool, "active", False):
        return None
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                WELL_THREADS, thread_name_prefix="zarrview-well", initializer=_start_pool_thread
            )
        return _pool


# -- one field --------------------------------------------------------------------------------
class Field:
    """One image drawn in a cell of a mosaic, opened when first needed.

    ``path`` is the field's group, relative to the root of ``store``; ``where`` names it in
    messages (``"B/3/0"``). ``open_reader`` makes the reader of one of its level arrays.
    Thread-safe: concurrent reads open it once.
    """

    def __init__(
        self,
        store: Any,
        path: str,
        zarr_format: Literal[2, 3],
        where: str,
        open_reader: Callable[[zarr.Array], ArrayReader],
    ) -> None:
        self.where = where
        self._store = store
        self._path = path
        self._zarr_format = zarr_format
        self._open_reader = open_reader
        self._lock = threading.RLock()
        self._image: OmeImage | FieldError | None = None
        self._arrays: dict[int, zarr.Array | FieldError] = {}
        self._readers: dict[int, ArrayReader | None] = {}
        self._told: set[str] = set()

    def image(self) -> OmeImage:
        """The field's multiscales metadata; FieldError when it has none that can be drawn."""
        with self._lock:
            if self._image is None:
                try:
                    self._image = self._read_image()
                except FieldError as exc:
                    self._image = exc
            if isinstance(self._image, FieldError):
                raise self._image
            return self._image

    def _read_image(self) -> OmeImage:
        where = self.where
        try:
            group = zarr.open_group(
                store=self._store,
                path=self._path,
                mode="r",
                zarr_format=self._zarr_format,
                use_consolidated=False,
            )
        except FileNotFoundError as exc:
            raise FieldError(f"{where}: no such group", quiet=True) from exc
        except ContainsArrayError as exc:
            raise FieldError(f"{where}: is an array, not a multiscale image") from exc
        except Exception as exc:  # metadata that does not read: half-written, or refused
            raise FieldError(f"{where}: its metadata could not be read ({exc})") from exc
        try:
            image = ome_image(node_attrs(group))
        except KeyError as exc:
            raise FieldError(
                f"{where}: its multiscales metadata is not valid (it has no {exc.args[0]!r})"
            ) from exc
        except (NotZarr, TypeError, ValueError, AttributeError) as exc:
            raise FieldError(f"{where}: its multiscales metadata is not valid ({exc})") from exc
        if image is None:
            raise FieldError(
                f"{where}: is not a multiscale image (it has no 'multiscales' metadata)"
            )
        if len(image.axes) < 2:
            raise FieldError(f"{where}: has {len(image.axes)} axis; a mosaic needs y and x")
        return image

    def array(self, level: int) -> zarr.Array:
        """The field's level array, its metadata read once; FieldError when it cannot be drawn."""
        with self._lock:
            found = self._arrays.get(level)
            if found is None:
                try:
                    found = self._read_array(level)
                except FieldError as exc:
                    found = exc
                self._arrays[level] = found
            if isinstance(found, FieldError):
                raise found
            return found

    def _read_array(self, level: int) -> zarr.Array:
        image = self.image()
        where = self.where
        if level >= len(image.paths):
            raise FieldError(f"{where}: has {len(image.paths)} levels, so none for level {level}")
        path = image.paths[level]
        full = "/".join(p for p in (self._path, path) if p)
        try:
            array = zarr.open_array(
                store=self._store, path=full, mode="r", zarr_format=self._zarr_format
            )
        except FileNotFoundError as exc:
            raise FieldError(f"{where}: its level {path!r} is missing", quiet=True) from exc
        except ContainsGroupError as exc:
            raise FieldError(f"{where}: its level {path!r} is a group, not an array") from exc
        except Exception as exc:
            raise FieldError(f"{where}: its level {path!r} could not be read ({exc})") from exc
        if array.ndim != len(image.axes):
            raise FieldError(
                f"{where}: its level {path!r} has {array.ndim} dimensions but the image has "
                f"{len(image.axes)} axes"
            )
        try:
            check_wire_dtype(np.dtype(array.dtype), f"{where}: its level {path!r}")
        except ZarrViewError as exc:
            raise FieldError(exc.message) from exc
        return array

    def probe(self) -> list[tuple[int, ...]]:
        """The shape of each level, every level's metadata read; FieldError if any is bad."""
        return [tuple(self.array(i).shape) for i in range(len(self.image().paths))]

    def reference(self) -> Reference:
        """What the other fields of a mosaic must match, when this one is its first."""
        first = self.array(0)
        return Reference(np.dtype(first.dtype), first.ndim, self.where)

    def unlike(self, reference: Reference) -> str | None:
        """Why this field cannot be drawn beside ``reference``'s, if it cannot; probed already."""
        first = self.array(0)
        return _unlike(first, reference, self.where)

    def reader(self, level: int, reference: Reference) -> ArrayReader | None:
        """The reader of level ``level``, opened once; None when the field is fill there."""
        with self._lock:
            if level in self._readers:
                return self._readers[level]
            reader: ArrayReader | None = None
            try:
                array = self.array(level)
                problem = _unlike(array, reference, self.where)
                if problem is not None:
                    raise FieldError(problem)
                reader = self._open_reader(array)
            except FieldError as exc:
                self.tell(str(exc), quiet=exc.quiet)
            except Exception as exc:
                self.tell(f"{self.where}: level {level} could not be opened ({exc})")
            self._readers[level] = reader
            return reader

    def tell(self, message: str, *, quiet: bool = False) -> None:
        """Logs why the field is fill, once per message (a tile at a time would flood the log)."""
        with self._lock:
            first = message not in self._told
            self._told.add(message)
        level = logging.WARNING if first and not quiet else logging.DEBUG
        log.log(level, "zarrview: %s; it is drawn as fill", message)


def _unlike(array: zarr.Array, reference: Reference, where: str) -> str | None:
    dtype = np.dtype(array.dtype)
    if array.ndim != reference.ndim:
        return f"{where}: has {array.ndim} axes, not {reference.ndim} like {reference.where}"
    # Byte order is the reader's business: both come out little-endian.
    if dtype.newbyteorder("<") != reference.dtype.newbyteorder("<"):
        return f"{where}: has dtype {dtype}, not {reference.dtype} like {reference.where}"
    return None


# -- reading ----------------------------------------------------------------------------------
#: Where a selection entry of a tiled axis falls: a cell, the entry within it, and where its
#: values go in the answer (None for an index, which leaves no axis).
Span = tuple[int, int | slice, slice | None]


def cell_spans(entry: int | slice, cell: int, cells: int) -> list[Span]:
    """The cells of size ``cell`` (``cells`` of them) that a normalized entry reads from."""
    if isinstance(entry, int):
        return [(entry // cell, entry % cell, None)] if entry // cell < cells else []
    start, step = entry.start, entry.step
    count = len(range(start, entry.stop, step))
    if count == 0:
        return []
    last = start + (count - 1) * step
    out: list[Span] = []
    for index in range(start // cell, min(last // cell, cells - 1) + 1):
        lo = index * cell
        # The answer's positions k whose index start + k * step lies in [lo, lo + cell).
        first = max(0, -(-(lo - start) // step))
        stop = min(count, -(-(lo + cell - start) // step))
        if stop <= first:
            continue  # a step that jumps over the whole cell
        local = start + first * step - lo
        within = slice(local, local + (stop - first - 1) * step + 1, step)
        out.append((index, within, slice(first, stop)))
    return out


def _clipped(
    entry: int | slice, at: slice | None, extent: int
) -> tuple[int | slice, slice | None] | None:
    """An entry within a field of ``extent`` on that axis, and where its values go; None if
    the field has none of them (a smaller field than its cell, fewer planes than the first)."""
    if isinstance(entry, int):
        return (entry, None) if entry < extent else None
    stop = min(entry.stop, extent)
    count = len(range(entry.start, stop, entry.step))
    if count == 0:
        return None
    assert at is not None
    return slice(entry.start, stop, entry.step), slice(at.start, at.start + count)


class MosaicReader:
    """One level of a mosaic, read as any other level is (the ``ArrayReader`` protocol).

    ``cells`` maps a (row, column) of the grid to the field drawn there; a cell without one is
    fill. Its last two chunk sizes are the cell's shape: a reader of whole chunks tells the
    cells apart.
    """

    def __init__(
        self,
        level: int,
        shape: tuple[int, ...],
        chunks: tuple[int, ...],
        reference: Reference,
        fill_value: Any,
        cells: Mapping[tuple[int, int], Field],
    ) -> None:
        self.shape = shape
        self.chunks = chunks
        self.dtype = reference.dtype.newbyteorder("<")
        self.fill_value = fill_value
        self._level = level
        self._reference = reference
        self._cells = cells
        self._cell = (chunks[-2], chunks[-1])
        self._grid = (shape[-2] // chunks[-2], shape[-1] // chunks[-1])

    def read(self, selection: Selection) -> np.ndarray:
        out = _filled(selection_shape(selection), self.dtype, self.fill_value)
        *lead, rows, columns = selection
        lead_at = [
            None if isinstance(e, int) else slice(0, len(range(e.start, e.stop, e.step)))
            for e in lead
        ]
        jobs = [
            (field, [*lead, row_entry, column_entry], [*lead_at, row_at, column_at])
            for row, row_entry, row_at in cell_spans(rows, self._cell[0], self._grid[0])
            for column, column_entry, column_at in cell_spans(columns, self._cell[1], self._grid[1])
            if (field := self._cells.get((row, column))) is not None
        ]
        pool = well_pool() if len(jobs) > 1 else None
        if pool is None:
            failures = [self._draw(out, *job) for job in jobs]
        else:
            futures = [pool.submit(self._draw, out, *job) for job in jobs]
            failures = [f.result() for f in futures]
        passing = [f for f in failures if isinstance(f, ChunkNotReady)]
        if jobs and len(passing) == len(jobs):
            raise passing[0]
        return out

    def read_around(self, selection: Selection) -> tuple[np.ndarray, list[Neighbour]]:
        return self.read(selection), []

    def _draw(
        self,
        out: np.ndarray,
        field: Field,
        entries: list[int | slice],
        at: list[slice | None],
    ) -> Exception | None:
        """Reads one cell's part of the selection into ``out``: None, or why it stayed fill."""
        try:
            reader = field.reader(self._level, self._reference)
            if reader is None:
                return None
            local: list[int | slice] = []
            where: list[slice] = []
            for entry, to, extent in zip(entries, at, reader.shape, strict=True):
                clipped = _clipped(entry, to, extent)
                if clipped is None:
                    return None
                local.append(clipped[0])
                if clipped[1] is not None:
                    where.append(clipped[1])
            # Each cell writes its own part of the answer: no two threads write the same bytes.
            out[tuple(where)] = reader.read(tuple(local))
        except Exception as exc:
            field.tell(f"{field.where}: level {self._level} could not be read ({exc})")
            return exc
        return None


def _filled(shape: tuple[int, ...], dtype: np.dtype, fill_value: Any) -> np.ndarray:
    try:
        return np.full(shape, fill_value if fill_value is not None else 0, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        return np.zeros(shape, dtype=dtype)
