"""Plain Zarr keys: which store a ``store/<path>/<key>`` URL means, and the key's bytes.

The URL does not say where the store path ends and the key begins. The store is the longest
prefix that is a Zarr node (a folder holding ``zarr.json``, ``.zgroup`` or ``.zarray``, or a
folder named ``*.zarr``) or a zip file (``*.zip``); the rest is the key. Longest, so the key
is the shortest name that still reaches the file: a chunk ``exp.zarr/0/c/0/0`` is key ``c/0/0``
of the array ``exp.zarr/0``. For a folder store the bytes are the same whichever prefix is
chosen; for a zip file there is only one choice. A file outside every Zarr store is not served
here (``/files/`` is Jupyter's way to that).
"""

from __future__ import annotations

import os
import stat
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..engine import NotFound, NotZarr, PathNotAllowed
from ..engine.errors import filesystem_failure
from .paths import is_dir, is_file, resolve_local, shown, split_path, stat_path

if TYPE_CHECKING:
    from pathlib import Path

    from .paths import Roots

__all__ = ["StoreKey", "locate_key", "locate_store", "read_key"]

_NODE_FILES = ("zarr.json", ".zgroup", ".zarray")


@dataclass(frozen=True)
class StoreKey:
    """One key of a store: a file of a folder store, or a member of a zip store."""

    store: Path  # the store's resolved folder or zip file
    key: str  # "/"-separated, relative to the store
    size: int
    etag: str  # a weak validator from the file's (or zip member's) modification and size
    file: Path | None  # the resolved file for a folder store; None for a zip member


def _is_store_root(path: Path, text: str) -> bool:
    if path.suffix.lower() == ".zip":
        return is_file(path, text, "path")
    if not is_dir(path, text, "path"):
        return False
    return path.suffix.lower() == ".zarr" or any(
        is_file(path / name, text, "path") for name in _NODE_FILES
    )


def locate_store(text: str, roots: Roots) -> Path:
    """The resolved store (a Zarr folder or a zip file) at ``text``, checked against the roots."""
    absolute, parts = split_path(text, "path")
    store = resolve_local(absolute, parts, roots, text, "path")
    if _is_store_root(store, text):
        return store
    if stat_path(store, text, "path") is not None:
        raise NotZarr(
            f"{shown(text)} is not a Zarr store",
            parameter="path",
            expected="a folder holding zarr.json, .zgroup or .zarray, or a .zip store",
        )
    raise NotFound(f"no such path: {shown(text)}", parameter="path")


def locate_key(text: str, roots: Roots, within: str | None = None) -> StoreKey:
    """The key a store URL's path names, checked against the roots; NotFound when missing.

    With ``within`` (a store path), the key must also lie inside that store once resolved:
    a share link's scope, which a symlink inside the store must not lead out of.
    """
    found = _locate_key(text, roots)
    if within is not None:
        absolute, parts = split_path(within, "path")
        scope = resolve_local(absolute, parts, roots, within, "path")
        target = found.file if found.file is not None else found.store
        if not target.is_relative_to(scope):
            raise PathNotAllowed(f"{shown(text)} lies outside the shared store", parameter="path")
    return found


def _locate_key(text: str, roots: Roots) -> StoreKey:
    absolute, parts = split_path(text, "path")
    if len(parts) < 2:
        raise NotFound(
            f"no Zarr key at {shown(text)}: give a store path and a key", parameter="path"
        )
    # Names are checked for the whole path up front: the split does not change what is hidden.
    full = resolve_local(absolute, parts, roots, text, "path", leaf_exempt=True)
    for cut in range(len(parts) - 1, 0, -1):
        store = resolve_local(absolute, parts[:cut], roots, text, "path")
        if not _is_store_root(store, text):
            continue
        key = "/".join(parts[cut:])
        if store.suffix.lower() == ".zip":
            return _zip_member(store, key, text)
        return _folder_file(store, full, key, text)
    if stat_path(full, text, "path") is not None:
        raise NotZarr(f"{shown(text)} is not inside a Zarr store", parameter="path")
    raise NotFound(f"no such Zarr key: {shown(text)}", parameter="path")


def _folder_file(store: Path, file: Path, key: str, text: str) -> StoreKey:
    st = stat_path(file, text, "path")
    if st is None:
        raise NotFound(f"no such Zarr key: {shown(text)}", parameter="path")
    if not stat.S_ISREG(st.st_mode):
        raise NotFound(f"no such Zarr key: {shown(text)} is a folder", parameter="path")
    return StoreKey(store, key, st.st_size, f'W/"{st.st_mtime_ns:x}-{st.st_size:x}"', file)


class _ZipCache:
    """Open zip files by (path, mtime, size): reading a central directory per key is slow."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._open: OrderedDict[tuple[str, int, int], zipfile.ZipFile] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: Path) -> tuple[zipfile.ZipFile, os.stat_result]:
        st = os.stat(path)
        key = (str(path), st.st_mtime_ns, st.st_size)
        with self._lock:
            zf = self._open.get(key)
            if zf is not None:
                self._open.move_to_end(key)
                return zf, st
        zf = zipfile.ZipFile(path)
        with self._lock:
            self._open[key] = zf
            while len(self._open) > self._size:
                # A closed ZipFile only stops new reads; readers holding members finish.
                self._open.popitem(last=False)[1].close()
        return zf, st


_zips = _ZipCache()


def _zip_member(store: Path, key: str, text: str) -> StoreKey:
    try:
        zf, st = _zips.get(store)
        info = zf.getinfo(key)
    except KeyError:
        raise NotFound(f"no such Zarr key: {shown(text)}", parameter="path") from None
    except zipfile.BadZipFile:
        raise NotZarr(
            f"{shown(text)}: the store is not a readable zip file", parameter="path"
        ) from None
    except PermissionError as exc:
        raise filesystem_failure(exc, f"path {shown(text)}") from None
    except OSError:  # a zip too short to seek in, or cut off
        raise NotZarr(
            f"{shown(text)}: the store is not a readable zip file", parameter="path"
        ) from None
    if info.is_dir():
        raise NotFound(f"no such Zarr key: {shown(text)} is a folder", parameter="path")
    etag = f'W/"{st.st_mtime_ns:x}-{info.CRC:x}-{info.file_size:x}"'
    return StoreKey(store, key, info.file_size, etag, None)


def read_key(found: StoreKey, start: int, stop: int) -> bytes:
    """Bytes ``[start, stop)`` of a key. Blocking: run it off the event loop."""
    if found.file is not None:
        with open(found.file, "rb") as f:
            f.seek(start)
            return f.read(stop - start)
    zf, _ = _zips.get(found.store)
    try:
        return _read_member(zf, found.key, start, stop)
    except ValueError:  # closed by the cache between lookup and read: read on its own handle
        with zipfile.ZipFile(found.store) as own:
            return _read_member(own, found.key, start, stop)


def _read_member(zf: zipfile.ZipFile, key: str, start: int, stop: int) -> bytes:
    with zf.open(key) as member:
        if start:
            member.seek(start)
        return member.read(stop - start)
