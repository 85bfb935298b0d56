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
import contextlib
import logging
import os
import threading
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
    """Calls ``wake`` when something in the watched folders changes; a no-op without watchfiles.

    The events are waited for on a daemon thread of its own (watchfiles' blocking ``watch``,
    stopped by an event), and ``wake`` is called on the event loop that asked. Not through
    ``awatch``: its waits run on AnyIO's worker threads, which are not daemons and stop only
    with the loop's root task, which a Jupyter server never ends, so a server that had watched
    folders waited on them for ever when it was asked to stop.
    """

    def __init__(self, wake: Callable[[], None]) -> None:
        self._wake = wake
        self._folders: frozenset[str] = frozenset()
        self._thread: threading.Thread | None = None
        self._stop: threading.Event | None = None
        self._holds_slot = False

    @property
    def folders(self) -> frozenset[str]:
        return self._folders if self._thread is not None else frozenset()

    def watch(self, folders: frozenset[str]) -> bool:
        """Watches ``folders`` from now on; True if that is another set than before."""
        global _active
        running = self._thread is not None and self._thread.is_alive()
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
        stop = threading.Event()
        self._stop = stop
        self._thread = threading.Thread(
            target=self._run,
            args=(folders, stop, asyncio.get_running_loop()),
            name="zarrview-fs-events",
            daemon=True,
        )
        self._thread.start()
        return True

    def _run(
        self, folders: frozenset[str], stop: threading.Event, loop: asyncio.AbstractEventLoop
    ) -> None:
        import watchfiles

        def wake() -> None:
            if not stop.is_set():
                with contextlib.suppress(RuntimeError):  # the loop is closed: nobody to wake
                    loop.call_soon_threadsafe(self._wake)

        try:
            for _changes in watchfiles.watch(
                *sorted(folders),
                watch_filter=None,
                debounce=_DEBOUNCE,
                step=_STEP,
                stop_event=stop,
                recursive=False,
                ignore_permission_denied=True,
                raise_interrupt=False,
            ):
                wake()
        except Exception as exc:
            # A folder removed under the watch, inotify out of watches...: polling goes on.
            log.debug("zarrview: filesystem events stopped (%s); polling only", exc)
            wake()

    def close(self) -> None:
        global _active
        stop, self._stop = self._stop, None
        if stop is not None:
            stop.set()
        self._thread = None
        if self._holds_slot:
            self._holds_slot = False
            _active -= 1
        self._folders = frozenset()
