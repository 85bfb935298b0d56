"""The kernel's watcher: a view reading a store over widget messages follows it as it is written.

Where the Jupyter server can see a store, the server watches it and the view follows its event
stream. A view whose data the server cannot see (outside its roots, a remote store that is not
on its allow-list, a front end without the server extension) reads over widget messages, and
the kernel watches instead, with the same look at the same files (``engine.changes``) on a
thread of its own, so a cell that runs the writer does not stop it. One thread per watching
view, from its ``zarrview-watch`` message until the one that turns it off, the widget closes or
the data is no store (an array in the kernel follows ``refresh()`` instead).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from ..engine.changes import ChangePoll
from ..protocol import Limits, handle

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..engine import Dataset, Engine

__all__ = ["KernelWatch", "everything_changed"]

log = logging.getLogger(__name__)

#: Seconds between looks at a store on disk, and at a remote one (whose metadata is read).
POLL_INTERVAL = 1.0
REMOTE_POLL_INTERVAL = 5.0


def everything_changed(ds: Dataset, info: dict[str, Any] | None) -> dict[str, Any]:
    """A change that names every tile: the view asks for all it shows again (304 if unchanged)."""
    levels = [
        {"level": i, "boxes": [[[0] * len(level.shape), list(level.shape)]]}
        for i, level in enumerate(ds.levels)
    ]
    out: dict[str, Any] = {"version": ds.version, "metadata": info is not None, "levels": levels}
    if info is not None:
        out["info"] = info
    return out


class KernelWatch:
    """Looks at one view's store every ``interval`` seconds and pushes what changed."""

    def __init__(
        self,
        dataset: Callable[[], Dataset | None],
        engine: Engine,
        push: Callable[[str, dict[str, Any]], None],
        alive: Callable[[], bool],
        *,
        interval: float = POLL_INTERVAL,
        remote_interval: float = REMOTE_POLL_INTERVAL,
    ) -> None:
        self._dataset = dataset
        self._engine = engine
        self._push = push
        self._alive = alive
        self._interval = interval
        self._remote_interval = remote_interval
        self._limits = Limits()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> bool:
        """Starts watching, if the data is a store; True if it is watched now."""
        if self.running:
            return True
        ds = self._dataset()
        if ds is None or not (isinstance(ds.key, tuple) and ds.key[:1] == ("path",)):
            return False
        # What the view was given may be older than the store (a writer ran before the view
        # asked to watch): read it again first, and tell the view if it changed.
        try:
            caught_up = self._engine.refresh(ds)
        except Exception:
            caught_up = False  # half-written metadata: the next look tries again
        poll = ChangePoll(ds, self._engine, self._describe, current=self._dataset)
        poll.look()  # the baseline: whatever changes after it is told
        if caught_up:
            self._push("change", everything_changed(ds, self._describe(ds)))
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(poll, self._stop), name="zarrview-kernel-watch", daemon=True
        )
        self._thread.start()
        return True

    def stop(self) -> None:
        self._stop.set()
        self._thread = None

    def _run(self, poll: ChangePoll, stop: threading.Event) -> None:
        while not stop.wait(self._remote_interval if poll.remote else self._interval):
            if not self._alive():
                return
            try:
                look = poll.look()
            except Exception:
                log.exception("zarrview: the kernel's watcher of %s failed", poll.dataset.key)
                return
            for name, data in look.events:
                self._push(name, data)

    def _describe(self, ds: Dataset) -> dict[str, Any] | None:
        answer = handle("info", {}, lambda _p: ds, self._engine, self._limits)
        return answer.json if answer.status == 200 else None
