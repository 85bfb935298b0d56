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

__all__ = ["KernelWatch"]

log = logging.getLogger(__name__)

#: Seconds between looks at a store on disk, and at a remote one (whose metadata is read).
POLL_INTERVAL = 1.0
REMOTE_POLL_INTERVAL = 5.0


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
        poll = ChangePoll(ds, self._engine, self._describe, current=self._dataset)
        poll.look()  # the baseline, before the view is told of anything
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
