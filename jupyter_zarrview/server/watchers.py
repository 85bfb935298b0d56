"""Change detection for data still being written: one watcher per dataset, shared by its streams.

A watcher polls, on the IO loop but with every ``stat`` and metadata read on a thread of its
own: the metadata keys of the store and of each level (``zarr.json``, ``.zarray``...), and the
chunk files that tiles of the dataset were recently read from (present or not yet written).
What changed goes to every event stream of that dataset as one ``change``; a store that
disappears is ``gone``. Remote stores have no files to stat: their metadata is read again, less
often. Filesystem events (:mod:`.fs_events`) wake a watcher early where a writer is on this
machine. docs/live.md has the costs and the limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..engine.changes import ChangePoll, Look, merged
from ..protocol import handle
from .fs_events import FolderEvents, available, existing, parents

if TYPE_CHECKING:
    from collections.abc import Hashable, Mapping

    from ..engine import Dataset, Engine
    from ..protocol import Limits
    from .datasets import DatasetCache

__all__ = ["LiveHub", "LiveSettings", "Stream", "TooManyStreams"]

log = logging.getLogger(__name__)

# Events a stream keeps for a client that reads slowly; changes merge, so this bounds gone/back
# cycles only.
_PENDING = 8
# The shortest time between two polls of one watcher, however often it is woken.
_MIN_GAP = 0.05


@dataclass(frozen=True)
class LiveSettings:
    """The admin's settings of live data (``c.ZarrViewExtension.live_*``)."""

    poll_interval: float = 1.0
    remote_poll_interval: float = 5.0
    streams_per_client: int = 32
    streams_total: int = 512
    keep_alive: float = 20.0
    linger: float = 5.0
    recent_files: int = 512
    # Filesystem events (watchfiles, where installed) wake a watcher early; polling stays.
    file_events: bool = True


class TooManyStreams(Exception):
    """A client, or the server as a whole, has as many event streams open as it may."""


class Stream:
    """One client's event stream: what happened since it last read, merged, never a backlog."""

    def __init__(self, client: Hashable, watcher: Watcher) -> None:
        self.client = client
        self.watcher = watcher
        self.closed = False
        self._pending: list[tuple[str, dict[str, Any]]] = []
        self._ready = asyncio.Event()

    def push(self, name: str, data: dict[str, Any]) -> None:
        last = self._pending[-1] if self._pending else None
        if name == "change" and last is not None and last[0] == "change":
            self._pending[-1] = ("change", merged(last[1], data))
        elif not (name == "gone" and last is not None and last[0] == "gone"):
            self._pending.append((name, data))
            del self._pending[:-_PENDING]
        self._ready.set()

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    async def next(self, timeout: float) -> list[tuple[str, dict[str, Any]]]:
        """What is pending, after waiting up to ``timeout`` for something; [] on a timeout."""
        if not self._pending and not self.closed:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._ready.wait(), timeout)
        self._ready.clear()
        out, self._pending = self._pending, []
        return out


class Watcher:
    """Watches one dataset for as long as it has streams (and ``linger`` seconds after)."""

    def __init__(self, hub: LiveHub, key: Hashable, params: Mapping[str, str], ds: Dataset) -> None:
        self._hub = hub
        self.key = key
        self._params = dict(params)
        self._changes = ChangePoll(
            ds,
            hub.engine,
            self._describe,
            recent_files=hub.settings.recent_files,
            # The engine may have let the dataset go and opened it anew for a tile: follow the
            # one the tiles are read from, whose files they recorded.
            current=lambda: hub.datasets.peek(self._params),
        )
        self.streams: set[Stream] = set()
        self._wake = asyncio.Event()
        self._idle_since: float | None = None
        self.polls = 0
        self.stats = 0
        self.last_stats = 0
        self.cpu_seconds = 0.0
        self.task: asyncio.Task[None] | None = None
        self._events = FolderEvents(self.wake)
        self._folder_names: tuple[str, ...] | None = None
        self._woken = False
        # Set once the first poll has taken the baseline: a stream says hello after it, so
        # that whatever changes after the hello is seen.
        self.ready = asyncio.Event()

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())

    def wake(self) -> None:
        self._woken = True
        self._wake.set()

    def add(self, stream: Stream) -> None:
        self.streams.add(stream)
        self._idle_since = None

    def discard(self, stream: Stream) -> None:
        self.streams.discard(stream)
        if not self.streams:
            self._idle_since = time.monotonic()
            self.wake()

    async def _run(self) -> None:
        settings = self._hub.settings
        loop = asyncio.get_running_loop()
        try:
            # The first poll takes the baseline: what the streams' hello describes.
            try:
                _, folders = await loop.run_in_executor(self._hub.executor, self._poll)
                if folders is not None:
                    self._events.watch(folders)
            finally:
                self.ready.set()
            last_poll = time.monotonic()
            while True:
                interval = settings.poll_interval
                if self._changes.remote:
                    interval = settings.remote_poll_interval
                if self._idle_since is not None:
                    interval = min(interval, max(0.0, settings.linger))
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), interval)
                self._wake.clear()
                if (
                    self._idle_since is not None
                    and time.monotonic() - self._idle_since >= settings.linger
                ):
                    return
                if not self.streams:
                    continue
                # A writer busy on this machine wakes the watcher often: a poll at most every
                # _MIN_GAP seconds, the changes between merged into one.
                await asyncio.sleep(max(0.0, last_poll + _MIN_GAP - time.monotonic()))
                self._wake.clear()
                last_poll = time.monotonic()
                poll, folders = await loop.run_in_executor(self._hub.executor, self._poll)
                self.polls += 1
                self.stats += poll.stats
                self.last_stats = poll.stats
                self.cpu_seconds += poll.cpu
                for name, data in poll.events:
                    for stream in list(self.streams):
                        stream.push(name, data)
                if folders is not None and self._events.watch(folders):
                    # Files written before the new folders were watched are seen by a poll
                    # right after, not only at the next interval.
                    loop.call_later(_MIN_GAP, self.wake)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("zarrview: the watcher of %s failed; its streams end", self.key)
            for stream in list(self.streams):
                stream.close()
        finally:
            self._events.close()
            self._hub._forget(self)

    # -- one poll, on the hub's thread ----------------------------------------------------
    def _poll(self) -> tuple[Look, frozenset[str] | None]:
        """A look, and the folders to take filesystem events from when they are others now."""
        look = self._changes.look()
        woken, self._woken = self._woken, False
        if look.files is None or look.files.remote or not look.keys:
            return look, None
        if not (self._hub.settings.file_events and available()):
            return look, None
        names = parents(look.keys)
        # Which folders exist changes only with the key set, or when an event may say that a
        # folder (a new frame's) was made.
        if names == self._folder_names and not woken:
            return look, None
        self._folder_names = names
        look.stats += len(names)
        return look, existing(str(look.files.keys.root), names)

    def _describe(self, ds: Dataset) -> dict[str, Any] | None:
        answer = handle("info", self._params, lambda _p: ds, self._hub.engine, self._hub.limits)
        return answer.json if answer.status == 200 else None


class LiveHub:
    """The server's watchers and event streams, within the admin's bounds."""

    def __init__(
        self, datasets: DatasetCache, engine: Engine, limits: Limits, settings: LiveSettings
    ) -> None:
        self.datasets = datasets
        self.engine = engine
        self.limits = limits
        self.settings = settings
        # Stats and metadata reads of every watcher: cheap, and never behind tile reads.
        self.executor = ThreadPoolExecutor(2, thread_name_prefix="zarrview-live")
        self.watchers: dict[Hashable, Watcher] = {}
        self._clients: Counter[Hashable] = Counter()
        self._streams = 0

    @property
    def streams(self) -> int:
        return self._streams

    def open(self, client: Hashable, params: Mapping[str, str], ds: Dataset) -> Stream:
        """A stream of ``ds``'s events for ``client``; raises TooManyStreams past the bounds."""
        settings = self.settings
        if self._clients[client] >= settings.streams_per_client:
            raise TooManyStreams(
                f"this client has {settings.streams_per_client} event streams open already, "
                "as many as the server allows; close one first"
            )
        if self._streams >= settings.streams_total:
            raise TooManyStreams(
                f"the server has {settings.streams_total} event streams open, as many as it "
                "allows; try again later"
            )
        watcher = self.watchers.get(ds.key)
        if watcher is None or (watcher.task is not None and watcher.task.done()):
            watcher = Watcher(self, ds.key, params, ds)
            self.watchers[ds.key] = watcher
            watcher.start()
        stream = Stream(client, watcher)
        watcher.add(stream)
        self._clients[client] += 1
        self._streams += 1
        return stream

    def close(self, stream: Stream) -> None:
        if stream.watcher is None or stream not in stream.watcher.streams:
            return
        stream.close()
        stream.watcher.discard(stream)
        self._clients[stream.client] -= 1
        if self._clients[stream.client] <= 0:
            del self._clients[stream.client]
        self._streams -= 1

    def _forget(self, watcher: Watcher) -> None:
        if self.watchers.get(watcher.key) is watcher:
            del self.watchers[watcher.key]

    async def shutdown(self) -> None:
        """Ends every stream and watcher, for the server's shutdown."""
        for watcher in list(self.watchers.values()):
            for stream in list(watcher.streams):
                stream.close()
            if watcher.task is not None:
                watcher.task.cancel()
        self.executor.shutdown(wait=False, cancel_futures=True)
