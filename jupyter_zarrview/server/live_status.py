"""``GET api/v1/live``: the watchers the server runs for live data, and the streams on each.

What an admin (or a benchmark) asks to see that live data costs what it should: one watcher per
dataset however many views follow it, and none left once the views are gone.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..protocol import Answer
from .handlers import _Handler

if TYPE_CHECKING:
    from collections.abc import Hashable

    from .watchers import LiveHub

__all__ = ["LiveStatusHandler", "live_status"]


class LiveStatusHandler(_Handler):
    """``{"watchers": N, "streams": M, "datasets": [{"path", "array", "streams"}, ...]}``."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        context = self.context
        if context.live is None:
            self._send_error(
                Answer(
                    403,
                    {},
                    {"error": "live data is switched off on this server", "parameter": None},
                )
            )
            return
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(live_status(context.live, context.roots.root_dir)))


def live_status(hub: LiveHub, root_dir: Path) -> dict[str, Any]:
    """The hub's watchers as the endpoint tells them, paths as clients name them.

    A single-user server's watchers are all its user's, so every one is told. Read on the IO
    loop, where the hub's watchers and streams are changed, so the counts agree with each other.
    """
    datasets = [
        {**_named(watcher.key, root_dir), "streams": len(watcher.streams)}
        for watcher in hub.watchers.values()
    ]
    datasets.sort(key=lambda d: (str(d["path"]), str(d["array"] or "")))
    return {"watchers": len(datasets), "streams": hub.streams, "datasets": datasets}


def _named(key: Hashable, root_dir: Path) -> dict[str, str | None]:
    # A local dataset's key holds the path it resolved to: under the root dir it is named
    # relative to it, as clients name it (the server's own layout is none of their business);
    # in an extra root, absolutely; a remote store by its URL.
    if not (isinstance(key, tuple) and len(key) >= 3 and key[0] == "path"):
        return {"path": None, "array": None}
    text, array = str(key[1]), str(key[2]) or None
    if "://" not in text:
        with contextlib.suppress(ValueError):  # not under the root dir: an extra root's
            text = Path(text).relative_to(root_dir).as_posix()
    return {"path": text, "array": array}
