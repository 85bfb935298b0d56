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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..engine.chunk_files import Seen, dataset_files, stat_keys
from ..protocol import handle
from .fs_events import FolderEvents, available, existing, parents

if TYPE_CHECKING:
    from collections.abc import Hashable, Mapping

    from ..engine import Dataset, Engine
    from ..engine.chunk_files import DatasetFiles, Signature
    from ..protocol import Limits
    from .datasets import DatasetCache

__all__ = ["LiveHub", "LiveSettings", "Stream", "TooManyStreams"]

log = logging.getLogger(__name__)

# Root metadata of a store: when none of them is there, the store is gone.
_ROOT_KEYS = ("zarr.json", ".zarray", ".zgroup")
# Events a stream keeps for a client that reads slowly; changes merge, so this bounds gone/back
# cycles only.
_PENDING = 8
# Boxes of one level kept per pending change; past it they merge into the box around them all.
_MAX_BOXES = 256
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
            self._pending[-1] = ("change", _merged(last[1], data))
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


def _merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Two changes as one: the newest description, every box of both."""
    levels: dict[int, list[Any]] = {}
    for event in (old, new):
        for entry in event.get("levels", []):
            levels.setdefault(entry["level"], []).extend(entry["boxes"])
    out = {
        "version": new["version"],
        "metadata": bool(old.get("metadata") or new.get("metadata")),
        "levels": [{"level": lv, "boxes": _bounded(boxes)} for lv, boxes in sorted(levels.items())],
    }
    info = new.get("info") or old.get("info")
    if out["metadata"] and info is not None:
        out["info"] = info
    return out


def _bounded(boxes: list[Any]) -> list[Any]:
    unique = list({repr(b): b for b in boxes}.values())
    if len(unique) <= _MAX_BOXES:
        return unique
    starts = [min(b[0][i] for b in unique) for i in range(len(unique[0][0]))]
    stops = [max(b[1][i] for b in unique) for i in range(len(unique[0][1]))]
    return [[starts, stops]]


@dataclass
class _Poll:
    """What one poll found: the events to send, and what it cost."""

    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    stats: int = 0
    cpu: float = 0.0
    # The folders to take filesystem events from, when they are others than before.
    folders: frozenset[str] | None = None


class Watcher:
    """Watches one dataset for as long as it has streams (and ``linger`` seconds after)."""

    def __init__(self, hub: LiveHub, key: Hashable, params: Mapping[str, str], ds: Dataset) -> None:
        self._hub = hub
        self.key = key
        self._params = dict(params)
        self._dataset = ds
        self.streams: set[Stream] = set()
        self._wake = asyncio.Event()
        self._idle_since: float | None = None
        self._gone = False
        self._metadata: Signature | None = None
        self._files: dict[str, Seen] = {}
        self._recent: list[Seen] = []
        self._last_refresh = time.monotonic()
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
                first = await loop.run_in_executor(self._hub.executor, self._poll)
                if first.folders is not None:
                    self._events.watch(first.folders)
            finally:
                self.ready.set()
            last_poll = time.monotonic()
            while True:
                interval = settings.poll_interval
                if dataset_files(self._dataset) is None:
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
                poll = await loop.run_in_executor(self._hub.executor, self._poll)
                self.polls += 1
                self.stats += poll.stats
                self.last_stats = poll.stats
                self.cpu_seconds += poll.cpu
                for name, data in poll.events:
                    for stream in list(self.streams):
                        stream.push(name, data)
                if poll.folders is not None and self._events.watch(poll.folders):
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
    def _poll(self) -> _Poll:
        started = time.thread_time()
        out = _Poll()
        try:
            self._follow_the_open_dataset()
            files = dataset_files(self._dataset)
            if files is None:
                self._poll_by_reading(out)
            else:
                self._poll_files(files, out)
        finally:
            out.cpu = time.thread_time() - started
        return out

    def _follow_the_open_dataset(self) -> None:
        # The engine may have let the dataset go and opened it anew for a tile: follow the one
        # the tiles are read from, whose files they recorded.
        try:
            current = self._hub.datasets.peek(self._params)
        except Exception:
            return
        if current is not None and current is not self._dataset:
            self._dataset = current

    def _poll_by_reading(self, out: _Poll) -> None:
        if self._metadata is None:
            self._metadata = ()
            return
        try:
            changed = self._hub.engine.refresh(self._dataset)
        except Exception as exc:
            log.debug("zarrview: %s could not be read again (%s); retrying", self.key, exc)
            return
        if changed:
            out.events.append(("change", self._change(metadata=True, levels={})))

    def _poll_files(self, files: DatasetFiles, out: _Poll) -> None:
        root = stat_keys(files.root, _ROOT_KEYS)
        out.stats += len(root)
        if all(s[1] is None for s in root):
            if not self._gone and self._metadata is not None:
                out.events.append(("gone", {"error": "the store was removed", "parameter": "path"}))
            self._gone = True
            return
        first = self._metadata is None
        metadata = stat_keys(files.root, files.metadata_keys())
        out.stats += len(metadata)
        described = False
        if first:
            self._metadata = metadata
        elif self._gone or metadata != self._metadata:
            try:
                changed = self._hub.engine.refresh(self._dataset)
            except Exception as exc:
                # Half-written metadata: keep the last good description, try again next time.
                log.debug("zarrview: metadata of %s not readable yet (%s)", self.key, exc)
                return
            if self._gone:
                changed, self._files = True, {}
            self._gone = False
            # The keys to stat may be others now (a new level): the baseline is taken anew.
            self._metadata = stat_keys(files.root, files.metadata_keys())
            out.stats += len(self._metadata)
            described = changed
        levels = self._changed_files(files, out)
        if described or levels:
            out.events.append(("change", self._change(metadata=described, levels=levels)))
        self._watch_folders(files, out)

    def _watch_folders(self, files: DatasetFiles, out: _Poll) -> None:
        woken, self._woken = self._woken, False
        if not (self._hub.settings.file_events and available()):
            return
        keys = [*files.metadata_keys(), *(s.stat[0] for s in self._recent)]
        names = parents(keys)
        # Which folders exist changes only with the key set, or when an event may say that a
        # folder (a new frame's) was made.
        if names != self._folder_names or woken:
            self._folder_names = names
            out.folders = existing(str(files.root), names)
            out.stats += len(names)

    def _changed_files(self, files: DatasetFiles, out: _Poll) -> dict[int, list[Any]]:
        recent = files.recent(self._hub.settings.recent_files)
        self._recent = recent
        baseline = {s.stat[0]: self._files.get(s.stat[0], s) for s in recent}
        now = stat_keys(files.root, baseline)
        out.stats += len(now)
        changed = [
            Seen(seen.level, seen.index, stat)
            for seen, stat in zip(baseline.values(), now, strict=True)
            if stat != seen.stat
        ]
        self._files = {seen.stat[0]: seen for seen in baseline.values()}
        for seen in changed:
            self._files[seen.stat[0]] = seen
        if not changed:
            return {}
        try:
            # Reopened now rather than at the first tile asked: every view asks at once.
            self._hub.engine.refresh(self._dataset)
        except Exception as exc:
            log.debug("zarrview: %s not readable yet (%s); its tiles will retry", self.key, exc)
        else:
            files.remember(changed)
        levels: dict[int, list[Any]] = {}
        for seen in changed:
            box = files.box(seen)
            if box is not None:
                levels.setdefault(seen.level, []).append([list(box[0]), list(box[1])])
        return levels

    def _change(self, *, metadata: bool, levels: dict[int, list[Any]]) -> dict[str, Any]:
        ds = self._dataset
        out: dict[str, Any] = {
            "version": ds.version,
            "metadata": metadata,
            "levels": [{"level": lv, "boxes": _bounded(b)} for lv, b in sorted(levels.items())],
        }
        if metadata:
            answer = handle("info", self._params, lambda _p: ds, self._hub.engine, self._hub.limits)
            if answer.status == 200:
                out["info"] = answer.json
        return out


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
