"""The datasets an engine keeps open: least recently used first out, bounded by count and bytes.

Opening a store reads its metadata (tens of milliseconds, far more remotely), so datasets are
kept for the next request; but a server runs for weeks while its users view store after store,
so what it keeps must be bounded. A dataset's bytes are estimated from what opening it left in
the process's memory (RSS), measured per kind of store (figures in docs/server.md):

- each level's open array: about 12 KiB (a tensorstore handle or a zarr-python array, and
  what the engine keeps about its chunk files); a plate's (or a well's) mosaic, one per level
  of each of its wells (fields);
- its metadata documents (``zarr.json``, ``.zarray``, ``.zattrs``...), held parsed by both
  zarr-python and tensorstore: about three times their size on disk;
- a zip store's central directory: its size on disk, and about 480 bytes per member once
  Python has parsed it.

Tiles and chunks read from a dataset live in the engine's own caches, which ``cache_bytes``
bounds for every dataset together; they are not counted here, and go with the dataset.
"""

from __future__ import annotations

import json
import os
import stat
import struct
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Hashable

    from .dataset import Dataset

__all__ = ["LEVEL_BYTES", "METADATA_FACTOR", "ZIP_ENTRY_BYTES", "OpenDatasets", "footprint"]

LEVEL_BYTES = 12 * 1024
METADATA_FACTOR = 3
ZIP_ENTRY_BYTES = 480
_METADATA_NAMES = ("zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata")
# The end of a zip: its last record, and the zip64 one that takes over for large archives.
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_ZIP_TAIL = 22 + 65535  # the record and the longest comment it may carry


def footprint(dataset: Dataset, path: str | None, array: str | None) -> int:
    """Bytes that keeping ``dataset`` open holds, estimated as the module says.

    ``path`` is the local store it was opened from (a folder or a zip file), None for a remote
    one, whose metadata is then judged by the description it gave.
    """
    levels = dataset.levels
    info = dataset.info()
    plate = info.get("plate")
    # A plate's mosaic opens a reader per level of each well it draws, once a tile touches it.
    total = LEVEL_BYTES * len(levels) * (max(1, len(plate["wells"])) if plate else 1)
    described = len(json.dumps(info, default=str))
    if path is None:
        return total + METADATA_FACTOR * described
    try:
        st = os.stat(path)
        if stat.S_ISREG(st.st_mode):
            return total + METADATA_FACTOR * described + _zip_directory_bytes(path)
        folders = {path}
        node = os.path.join(path, array) if array else path
        folders.add(node)
        for level in levels:
            if level.path:
                folders.add(os.path.join(node, level.path))
                folders.add(os.path.join(path, level.path))
        documents = sum(_metadata_bytes(folder) for folder in folders)
    except OSError:  # gone or unreadable since it was opened: what it described is what we know
        documents = described
    return total + METADATA_FACTOR * max(documents, described)


def _metadata_bytes(folder: str) -> int:
    total = 0
    for name in _METADATA_NAMES:
        try:
            total += os.stat(os.path.join(folder, name)).st_size
        except (FileNotFoundError, NotADirectoryError):
            continue
    return total


def _zip_directory_bytes(path: str) -> int:
    """What a zip file's central directory costs once read into memory, from its end record."""
    with open(path, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        start = max(0, size - _ZIP_TAIL)
        f.seek(start)
        tail = f.read()
        at = tail.rfind(_EOCD)
        if at < 0 or len(tail) < at + 22:
            return 0
        entries, directory = struct.unpack_from("<HI", tail, at + 10)
        locator = at - 20
        zip64 = entries == 0xFFFF or directory == 0xFFFFFFFF
        if zip64 and locator >= 0 and tail[locator : locator + 4] == _EOCD64_LOCATOR:
            (offset,) = struct.unpack_from("<Q", tail, locator + 8)
            f.seek(offset)
            record = f.read(56)
            if record[:4] == _EOCD64 and len(record) == 56:
                entries, directory = struct.unpack_from("<QQ", record, 32)
    return int(entries) * ZIP_ENTRY_BYTES + int(directory)


class OpenDatasets:
    """Open datasets by key, least recently used first out past ``max_count`` or ``max_bytes``.

    The most recently used dataset always stays, however big: it is in use.
    """

    def __init__(self, max_count: int, max_bytes: int) -> None:
        self.max_count = max(1, int(max_count))
        self.max_bytes = max(0, int(max_bytes))
        self._items: OrderedDict[Hashable, tuple[Dataset, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def get(self, key: Hashable) -> Dataset | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def add(self, key: Hashable, dataset: Dataset, nbytes: int) -> tuple[Dataset, list[Dataset]]:
        """Keeps ``dataset`` unless one is kept under ``key`` already: ``(the one kept, the
        datasets that went out to make room)``."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found[0], []
            self._items[key] = (dataset, nbytes)
            self._bytes += nbytes
            return dataset, self._shed()

    def resize(self, key: Hashable, dataset: Dataset, nbytes: int) -> list[Dataset]:
        """``dataset``'s bytes measured anew (its metadata grew): those that went out for it."""
        with self._lock:
            found = self._items.get(key)
            if found is None or found[0] is not dataset:
                return []
            self._bytes += nbytes - found[1]
            self._items[key] = (dataset, nbytes)
            return self._shed()

    def discard(self, key: Hashable, dataset: Dataset | None = None) -> None:
        with self._lock:
            found = self._items.get(key)
            if found is not None and (dataset is None or found[0] is dataset):
                del self._items[key]
                self._bytes -= found[1]

    def clear(self) -> list[Dataset]:
        with self._lock:
            out = [dataset for dataset, _ in self._items.values()]
            self._items.clear()
            self._bytes = 0
            return out

    def _shed(self) -> list[Dataset]:
        gone: list[Dataset] = []
        while len(self._items) > 1 and (
            len(self._items) > self.max_count or self._bytes > self.max_bytes
        ):
            _, (dataset, nbytes) = self._items.popitem(last=False)
            self._bytes -= nbytes
            gone.append(dataset)
        return gone
