"""Filesystem events (inotify, through ``watchfiles`` when it is installed) that wake a watcher.

An addition to polling, never a replacement: a writer on another node of NFS, Lustre or GPFS
makes no event here, so the watcher polls all the same. Where the writer is on this machine an
event wakes it at once, and the change travels in tens of milliseconds instead of half a poll
interval. Only the folders that hold what the watcher stats are watched, each on its own
(not recursively), so a big store costs a handful of inotify watches; a folder not created yet
is watched through the nearest one that exists.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["MAX_FOLDERS", "FolderEvents", "available", "existing", "parents"]

log = logging.getLogger(__name__)

#: Folders one watcher watches at most; past them it only polls.
MAX_FOLDERS = 32
#: Watchers with filesystem events at once in the server: each holds a thread while it waits.
MAX_WATCHERS = 8
# Changes grouped for at most this long (ms), and yielded once quiet for ``_STEP`` ms.
_DEBOUNCE = 200
_STEP = 50

_active = 0


def available() -> bool:
    try:
        import watchfiles  # noqa: F401
    except ImportError:
        return False
    return True


def parents(keys: Iterable[str], limit: int = MAX_FOLDERS) -> tuple[str, ...]:
    """The first ``limit`` distinct folders (relative to the store) that ``keys`` live in."""
    out: dict[str, None] = {}
    for key in keys:
        out[key.rpartition("/")[0]] = None
        if len(out) >= limit:
            break
    return tuple(out)


def existing(root: str, folders: Iterable[str]) -> frozenset[str]:
    """Each folder under ``root``, or its nearest parent that exists (a frame not written yet)."""
    base = root.rstrip("/")
    out: set[str] = set()
    for relative in folders:
        folder = f"{base}/{relative}" if relative else base
        while len(folder) > len(base) and not os.path.isdir(folder):
            folder = os.path.dirname(folder)
        if os.path.isdir(folder):
            out.add(folder)
    return frozenset(out)


class FolderEvents:
    """Calls ``wake`` when something in the watched folders changes; a no-op without watchfiles."""

    def __init__(self, wake: Callable[[], None]) -> None:
        self._wake = wake
        self._folders: frozenset[str] = frozenset()
        self._task: asyncio.Task[None] | None = None
        self._holds_slot = False

    @property
    def folders(self) -> frozenset[str]:
        return self._folders if self._task is not None else frozenset()

    def watch(self, folders: frozenset[str]) -> bool:
        """Watches ``folders`` from now on; True if that is another set than before."""
        global _active
        running = self._task is not None and not self._task.done()
        if folders == self._folders and (running or not folders):
            return False
        self.close()
        self._folders = folders
        if not folders or not available():
            return True
        if not self._holds_slot:
            if _active >= MAX_WATCHERS:
                return True
            _active += 1
            self._holds_slot = True
        self._task = asyncio.get_running_loop().create_task(self._run(folders))
        return True

    async def _run(self, folders: frozenset[str]) -> None:
        import watchfiles

        try:
            async for _changes in watchfiles.awatch(
                *sorted(folders),
                watch_filter=None,
                debounce=_DEBOUNCE,
                step=_STEP,
                recursive=False,
                ignore_permission_denied=True,
            ):
                self._wake()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # A folder removed under the watch, inotify out of watches...: polling goes on.
            log.debug("zarrview: filesystem events stopped (%s); polling only", exc)
            self._wake()

    def close(self) -> None:
        global _active
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        if self._holds_slot:
            self._holds_slot = False
            _active -= 1
        self._folders = frozenset()
