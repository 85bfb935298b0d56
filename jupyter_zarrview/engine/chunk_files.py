"""Which chunk (or shard) files a selection of a local Zarr array reads, and their ``stat``.

A tile's bytes are a function of the files it is cut from, so their ``(mtime, size)`` is the
tile's validator: a new frame or a rewritten chunk changes the validator of the tiles over it
and of no other (docs/live.md). Only folder stores on a local or network file system have files
to ``stat``; remote, zip and in-kernel data have no signature (None), and neither has a
selection over more than :data:`MAX_FILES` files (a strided coarse view of a big array), for
which stating is not cheap, nor a tile of a plate's mosaic, whose levels are no arrays of the
store: those fall back to the dataset's version.

Each dataset also remembers the files its tiles were read from, and what they were then
(:meth:`DatasetFiles.recent`): the live watcher polls those, and a tile whose file changed since
it was last read refreshes the dataset before it is read again, so that no cache (the engine's
results, tensorstore's decoded chunks) answers the old bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ChunkNotReady
from .key_stats import UNSEEN, LocalKeys, RemoteKeys, Signature, Stat

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from .dataset import Dataset
    from .selection import Selection

__all__ = [
    "MAX_FILES",
    "ChunkGrid",
    "DatasetFiles",
    "Signature",
    "Stat",
    "chunk_keys",
    "dataset_files",
    "read_grid",
]

#: The most files a tile's signature is made of; past it a tile has none.
MAX_FILES = 1024
#: Files remembered per dataset, most recently read last.
MEMORY = 4096
#: File times come from the kernel's coarse clock, a tick behind ``time.time_ns()``.
_CLOCK_SLACK_NS = 50_000_000

Box = tuple[tuple[int, ...], tuple[int, ...]]

_V2_METADATA = (".zarray", ".zgroup", ".zattrs")
_V3_METADATA = ("zarr.json",)


@dataclass(frozen=True)
class ChunkGrid:
    """Where one array's chunk files are: their shape in elements, and how keys are spelled.

    ``prefix`` is the array's folder relative to the store's root ("" or "0/"); for a sharded
    v3 array ``file_shape`` is the shard's shape, since a shard is one file.
    """

    prefix: str
    file_shape: tuple[int, ...]
    encoding: str  # "default" (c/0/1) or "v2" (0.1)
    separator: str

    def key(self, index: Sequence[int]) -> str:
        parts = [str(i) for i in index]
        if self.encoding == "default":
            return self.prefix + self.separator.join(["c", *parts])
        return self.prefix + (self.separator.join(parts) if parts else "0")

    def box(self, index: Sequence[int], shape: Sequence[int]) -> Box | None:
        """The half-open box of array indices that file ``index`` covers, within ``shape``."""
        start = tuple(i * n for i, n in zip(index, self.file_shape, strict=True))
        stop = tuple(
            min((i + 1) * n, s) for i, n, s in zip(index, self.file_shape, shape, strict=True)
        )
        if any(a >= b for a, b in zip(start, stop, strict=True)) and shape:
            return None
        return start, stop


def read_grid(read: Callable[[str], bytes | None], prefix: str) -> ChunkGrid | None:
    """The chunk grid of the array at ``prefix`` from its own metadata, or None.

    ``read`` gives a key's bytes, or None where it is not there. None for a node that is not
    an array or a grid that is not regular. Raises OSError or ValueError for metadata that
    cannot be read now (a writer may be rewriting it).
    """
    folder = _slashed(prefix)
    v3 = read(folder + "zarr.json")
    if v3 is not None:
        meta = json.loads(v3)
        if meta.get("node_type") != "array":
            return None
        grid = meta.get("chunk_grid") or {}
        if grid.get("name") != "regular":
            return None
        shape = tuple(int(n) for n in grid["configuration"]["chunk_shape"])
        encoding = meta.get("chunk_key_encoding") or {"name": "default"}
        name = encoding.get("name", "default")
        if name not in ("default", "v2"):
            return None
        separator = (encoding.get("configuration") or {}).get(
            "separator", "/" if name == "default" else "."
        )
        return ChunkGrid(_slashed(prefix), shape, name, str(separator))
    v2 = read(folder + ".zarray")
    if v2 is not None:
        meta = json.loads(v2)
        shape = tuple(int(n) for n in meta["chunks"])
        separator = meta.get("dimension_separator") or "."
        return ChunkGrid(_slashed(prefix), shape, "v2", str(separator))
    return None


def _slashed(prefix: str) -> str:
    return prefix.strip("/") + "/" if prefix.strip("/") else ""


def _axis_indices(entry: int | slice, size: int) -> Sequence[int]:
    if not isinstance(entry, slice):
        return range(entry // size, entry // size + 1)
    points = range(entry.start, entry.stop, entry.step)
    if not points:
        return range(0)
    if entry.step <= size:
        # No step jumps over a whole file: every file from the first to the last is read.
        return range(points[0] // size, points[-1] // size + 1)
    if len(points) > MAX_FILES:
        return points  # one file per point: too many, and the caller sees so by the length
    return sorted({p // size for p in points})


def chunk_keys(
    grid: ChunkGrid, selection: Selection, cap: int = MAX_FILES
) -> list[tuple[tuple[int, ...], str]] | None:
    """The files a normalized selection reads, as (file index, store key); None past ``cap``."""
    if len(selection) != len(grid.file_shape):
        return None
    axes = [_axis_indices(e, n) for e, n in zip(selection, grid.file_shape, strict=True)]
    count = 1
    for axis in axes:
        count *= len(axis)
        if count > cap:
            return None
    return [(index, grid.key(index)) for index in itertools.product(*axes)]


@dataclass(frozen=True)
class _Layout:
    content_key: str | None
    grids: tuple[ChunkGrid | None, ...]
    shapes: tuple[tuple[int, ...], ...]
    metadata_keys: tuple[str, ...]
    root_keys: tuple[str, ...]


@dataclass(frozen=True)
class Seen:
    """A file a tile was read from: its level, its index on that level's file grid, its stat."""

    level: int
    index: tuple[int, ...]
    stat: Stat


class DatasetFiles:
    """The chunk files of one dataset: signatures, what tiles read, metadata keys.

    On a file system (``keys`` a :class:`LocalKeys`) a tile's signature is the stat of its
    files. A remote store's keys cost a request each: tiles only record the keys they read
    (their stat ``UNSEEN``), and the live watcher asks for the most recent ones per look.
    """

    def __init__(self, dataset: Dataset, keys: LocalKeys | RemoteKeys, array: str) -> None:
        self._dataset = weakref.ref(dataset)
        self.keys = keys
        self.remote = keys.remote
        self._array = array
        self._lock = threading.Lock()
        self._layout: tuple[str, _Layout] | None = None
        self._seen: OrderedDict[str, Seen] = OrderedDict()

    # -- layout --------------------------------------------------------------------------
    def layout(self) -> _Layout | None:
        """The grids of the dataset as last described; rebuilt when its metadata changed."""
        ds = self._dataset()
        if ds is None:
            return None
        meta_hash = ds.version.split(".", 1)[0]
        with self._lock:
            if self._layout is not None and self._layout[0] == meta_hash:
                return self._layout[1]
        try:
            layout = self._build(ds)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # metadata being rewritten: no signature until it reads whole again
        with self._lock:
            self._layout = (meta_hash, layout)
        return layout

    def _build(self, ds: Dataset) -> _Layout:
        info = ds.info()
        if info.get("plate") is not None:
            return self._mosaic(ds, info["plate"])
        ome = info["kind"].startswith("ome-")
        prefixes = [
            _slashed("/".join(p for p in (self._array if ome else "", lv.path) if p))
            for lv in ds.levels
        ]
        grids = tuple(read_grid(self.keys.read, p) for p in prefixes)
        shapes = tuple(tuple(lv.shape) for lv in ds.levels)
        grids = tuple(
            g if g is not None and len(g.file_shape) == len(s) else None
            for g, s in zip(grids, shapes, strict=True)
        )
        v3 = self.keys.read("zarr.json") is not None
        names = _V3_METADATA if v3 else _V2_METADATA
        nodes = ["", _slashed(self._array), *prefixes]
        if ome:
            # Label images written beside the image (a segmentation that finishes while the
            # image is viewed) change its description: the labels group and those it lists.
            # (Not those named with "..": a listed name must not lead the stats out of the store.)
            listed = [
                e["path"] for e in info["labels"] if not {".", ".."} & set(e["path"].split("/"))
            ]
            nodes += [_slashed(f"{self._array}/{p}") for p in ["labels", *listed]]
        metadata = tuple(dict.fromkeys(n + name for n in nodes for name in names))
        content = json.dumps(
            [
                ds.dtype.str,
                str(ds.fill_value),
                [[lv.path, list(lv.chunks)] for lv in ds.levels],
                [g.prefix if g else None for g in grids],
            ]
        )
        return _Layout(
            content_key=hashlib.sha1(content.encode(), usedforsecurity=False).hexdigest()[:16],
            grids=grids,
            shapes=shapes,
            metadata_keys=metadata,
            root_keys=tuple(_V3_METADATA + _V2_METADATA),
        )

    def _mosaic(self, ds: Dataset, plate: dict[str, Any]) -> _Layout:
        """A plate's (or a well's) mosaic: levels that are no arrays of the store.

        Its tiles have no chunk files of their own to stat (they follow the dataset's version)
        and no content key. What changes its description is metadata: the plate's (or the
        well's), each well's, and that of each field it draws, which a writer writes last; on
        a file system those are the keys a look stats. A remote store's cost a request each,
        hundreds per look: there only the plate's own are asked of.
        """
        names = _V3_METADATA if self.keys.read("zarr.json") is not None else _V2_METADATA
        nodes = ["", _slashed(self._array)]
        if not self.remote:
            for cell in plate["wells"]:
                node = f"{self._array}/{cell['path']}"
                nodes.append(_slashed(node))
                if plate["fields"] is None and cell["field"]:
                    nodes.append(_slashed(f"{node}/{cell['field']}"))
        return _Layout(
            content_key=None,
            grids=(None,) * len(ds.levels),
            shapes=tuple(tuple(lv.shape) for lv in ds.levels),
            metadata_keys=tuple(dict.fromkeys(n + name for n in nodes for name in names)),
            root_keys=tuple(_V3_METADATA + _V2_METADATA),
        )

    def content_key(self) -> str | None:
        """What the bytes of every tile depend on besides its files: dtype, fill, chunking.

        Not the shapes: an array that grows keeps the validators of the tiles it had.
        """
        layout = self.layout()
        return None if layout is None else layout.content_key

    def metadata_keys(self) -> tuple[str, ...]:
        layout = self.layout()
        return () if layout is None else layout.metadata_keys

    # -- tiles ---------------------------------------------------------------------------
    def tile_signature(self, level: int, selection: Selection) -> Signature | None:
        """The stat of the files a tile reads, remembered; the dataset refreshed if they changed.

        A file that changed since a tile last read it, or that was written after the dataset's
        readers were opened, may sit stale in a cache: the dataset is refreshed (its readers
        reopened, its cached results dropped) before this tile is read.
        """
        ds = self._dataset()
        layout = self.layout()
        if ds is None or layout is None or not 0 <= level < len(layout.grids):
            return None
        grid = layout.grids[level]
        if grid is None:
            return None
        files = chunk_keys(grid, selection)
        if files is None:
            return None
        if self.remote:
            # A request per key is too dear per tile: the watcher asks for them (validators
            # of remote tiles follow the dataset's version).
            self._recorded(level, files)
            return None
        signature = self.keys.stat(key for _, key in files)
        opened = ds.opened_ns - _CLOCK_SLACK_NS
        with self._lock:
            stale = False
            for stat in signature:
                before = self._seen.get(stat[0])
                if before is not None:
                    stale = stale or before.stat != stat
                elif isinstance(stat[1], int):
                    stale = stale or stat[1] >= opened
        if stale:
            try:
                ds.refresh()
            except Exception as exc:
                raise ChunkNotReady(
                    f"the store is being rewritten; its metadata could not be read: {exc}"
                ) from exc
        self.remember(
            Seen(level, index, stat) for (index, _), stat in zip(files, signature, strict=True)
        )
        return signature

    def _recorded(self, level: int, files: list[tuple[tuple[int, ...], str]]) -> None:
        with self._lock:
            for index, key in files:
                if key not in self._seen:
                    self._seen[key] = Seen(level, index, (key, UNSEEN))
                self._seen.move_to_end(key)
            while len(self._seen) > MEMORY:
                self._seen.popitem(last=False)

    def remember(self, seen: Iterable[Seen]) -> None:
        with self._lock:
            for item in seen:
                self._seen[item.stat[0]] = item
                self._seen.move_to_end(item.stat[0])
            while len(self._seen) > MEMORY:
                self._seen.popitem(last=False)

    def recent(self, count: int) -> list[Seen]:
        """The files of the ``count`` most recently read tiles' chunks, as they were then."""
        with self._lock:
            keys = list(itertools.islice(reversed(self._seen), count))
            return [self._seen[k] for k in keys]

    def box(self, seen: Seen) -> Box | None:
        layout = self.layout()
        if layout is None or not 0 <= seen.level < len(layout.grids):
            return None
        grid = layout.grids[seen.level]
        if grid is None:
            return None
        return grid.box(seen.index, layout.shapes[seen.level])


_registry: weakref.WeakKeyDictionary[Dataset, DatasetFiles | None] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def dataset_files(ds: Dataset) -> DatasetFiles | None:
    """The chunk files of ``ds``: None for zip stores and arrays in memory."""
    with _registry_lock:
        if ds in _registry:
            return _registry[ds]
    files = _remote_files(ds) or _local_files(ds)
    with _registry_lock:
        return _registry.setdefault(ds, files)


def _local_files(ds: Dataset) -> DatasetFiles | None:
    key = ds.key
    # Datasets opened from a path are keyed ("path", resolved path or URL, array, options).
    if not (isinstance(key, tuple) and len(key) >= 3 and key[0] == "path"):
        return None
    text, array = key[1], key[2]
    if not isinstance(text, str) or "://" in text:
        return None
    root = Path(text)
    if not root.is_dir():
        return None  # a zip store: its members have no stat of their own
    return DatasetFiles(ds, LocalKeys(root), str(array or "").strip("/"))


def _remote_files(ds: Dataset) -> DatasetFiles | None:
    key = ds.key
    if not (isinstance(key, tuple) and len(key) >= 3 and key[0] == "path"):
        return None  # a zarr object passed in: its keys may sit under a path of its own
    store = ds.store
    fs = getattr(store, "fs", None)
    if fs is None or type(store).__name__ != "FsspecStore":
        return None
    array = key[2]
    # zarr's filesystem is in asynchronous mode, bound to zarr's own loop: the same one made
    # synchronous, with the same options (fsspec caches such instances).
    options = dict(getattr(fs, "storage_options", {}))
    options.pop("asynchronous", None)
    options.pop("loop", None)
    try:
        own = type(fs)(**options)
    except Exception:
        return None
    return DatasetFiles(ds, RemoteKeys(own, str(store.path)), str(array or "").strip("/"))
