"""What a store says of its keys now: ``stat`` on a file system, validators from a remote store.

A key's *stat* is what changes when the key is written: ``(key, mtime_ns, size)`` for a file,
``(key, token)`` for an object of a remote store, ``(key, None)`` where nothing is there. Live
views compare stats from one look to the next (engine/changes.py), and on a file system a
tile's validator is made of the stats of its chunk files (engine/chunk_files.py).

Remote stores (``s3://``, ``gs://``, ``http(s)://``, anything fsspec reads) answer a ``HEAD``
(fsspec's ``info``) with the object's size and, where the service gives them, its validators:
``ETag`` and ``Last-Modified`` over HTTP, S3's ``ETag`` and ``LastModified``, GCS's
``generation``. Those are the token; a small key (metadata) whose store gives no more than a
time is read and its bytes digested instead, and a chunk is known by that time and its size
alone there (docs/live.md). A
request that fails for another reason than "not there" keeps the stat the key had, so a network
hiccup is not a change.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

__all__ = ["UNSEEN", "LocalKeys", "RemoteKeys", "Signature", "Stat", "stat_keys"]

log = logging.getLogger(__name__)

# (key, mtime_ns, size) of a file; (key, token) of a remote object; (key, None): not there.
Stat = tuple[str, int, int] | tuple[str, str] | tuple[str, None]
Signature = tuple[Stat, ...]
#: The token of a remote key that a tile read but no look has asked of yet.
UNSEEN = ""

# What fsspec's filesystems put in ``info`` that changes when an object is written.
_VALIDATORS = (
    "ETag",
    "etag",
    "Last-Modified",
    "LastModified",
    "last_modified",
    "generation",
    "md5Hash",
    "Content-MD5",
    "Digest",
    "VersionId",
    "mtime",
    "updated",
)
# Those that name one version of the object, not a time that may hold several.
_STRONG = frozenset(_VALIDATORS) - {
    "Last-Modified",
    "LastModified",
    "last_modified",
    "mtime",
    "updated",
}
# Requests in flight at once per look, against a remote store.
_CONCURRENCY = 16


def stat_keys(root: Path, keys: Iterable[str]) -> Signature:
    """Each key's ``(key, mtime_ns, size)``, or ``(key, None)`` where no file is there now."""
    base = str(root).rstrip("/") + "/"
    out: list[Stat] = []
    for key in keys:
        try:
            st = os.stat(base + key)
        except OSError:
            # Missing (not written yet, or removed), or unreadable: both read as the fill value.
            out.append((key, None))
        else:
            out.append((key, st.st_mtime_ns, st.st_size))
    return tuple(out)


class LocalKeys:
    """The keys of a store that is a folder on a (local or network) file system."""

    remote = False

    def __init__(self, root: Path) -> None:
        self.root = root

    def stat(self, keys: Iterable[str], *, small: bool = False) -> Signature:
        return stat_keys(self.root, keys)

    def read(self, key: str) -> bytes | None:
        try:
            return (self.root / key).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None


class RemoteKeys:
    """The keys of a store that fsspec reads: one request per key, run concurrently."""

    remote = True

    def __init__(self, fs: Any, root: str) -> None:
        self.fs = fs
        self.root = root.rstrip("/")
        self._last: dict[str, Stat] = {}

    def _path(self, key: str) -> str:
        return f"{self.root}/{key}" if self.root else key

    def stat(self, keys: Iterable[str], *, small: bool = False) -> Signature:
        """Each key's token; ``small`` keys whose store gives no validator are read whole."""
        keys = list(dict.fromkeys(keys))
        infos = self._infos([self._path(k) for k in keys])
        out: list[Stat] = []
        for key, info in zip(keys, infos, strict=True):
            stat: Stat
            if isinstance(info, FileNotFoundError):
                stat = (key, None)
            elif isinstance(info, BaseException):
                log.debug("zarrview: %s could not be asked of (%s)", self._path(key), info)
                stat = self._last.get(key, (key, UNSEEN))
            else:
                try:
                    stat = (key, self._token(key, info, small))
                except OSError as exc:
                    log.debug("zarrview: %s could not be read (%s)", self._path(key), exc)
                    stat = self._last.get(key, (key, UNSEEN))
            self._last[key] = stat
            out.append(stat)
        if len(self._last) > 8192:
            self._last = {s[0]: s for s in out}
        return tuple(out)

    def _token(self, key: str, info: dict[str, Any], small: bool) -> str:
        given = [name for name in _VALIDATORS if info.get(name) not in ("", None)]
        fields = [f"{name}={info[name]}" for name in given]
        size = info.get("size")
        if any(name in _STRONG for name in given):
            return ";".join([*fields, f"size={size}"])
        if small:
            # A time to the second (Last-Modified) misses a rewrite within that second: the
            # bytes of a small key are the surer token.
            data = self.read(key)
            if data is None:
                return f"size={size}"
            return "sha1=" + hashlib.sha1(data, usedforsecurity=False).hexdigest()
        return ";".join([*fields, f"size={size}"])

    def _infos(self, paths: list[str]) -> list[dict[str, Any] | BaseException]:
        for path in paths:
            # s3fs and gcsfs answer ``info`` from listings they cached: those would be old.
            with contextlib.suppress(Exception):
                self.fs.invalidate_cache(path)
        if getattr(self.fs, "async_impl", False) and getattr(self.fs, "loop", None) is not None:
            from fsspec.asyn import sync

            return sync(self.fs.loop, self._gather, paths)
        out: list[dict[str, Any] | BaseException] = []
        for path in paths:
            try:
                out.append(self.fs.info(path))
            except Exception as exc:  # reported per key
                out.append(exc)
        return out

    async def _gather(self, paths: list[str]) -> list[dict[str, Any] | BaseException]:
        gate = asyncio.Semaphore(_CONCURRENCY)

        async def one(path: str) -> dict[str, Any]:
            async with gate:
                return await self.fs._info(path)

        return list(await asyncio.gather(*(one(p) for p in paths), return_exceptions=True))

    def read(self, key: str) -> bytes | None:
        try:
            return self.fs.cat_file(self._path(key))
        except FileNotFoundError:
            return None
        except Exception as exc:
            # aiohttp's and botocore's errors are not OSErrors: callers take OSError as "not now".
            raise OSError(f"{self._path(key)} could not be read: {exc}") from exc
