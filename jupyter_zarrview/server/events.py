"""``GET api/v1/events?path=P[&array=A]``: a dataset's changes, pushed as server-sent events.

The stream says ``hello``, then ``change`` (new metadata, or the boxes whose chunk files
changed) and ``gone`` as its dataset's watcher sees them, and a ``: keep-alive`` comment when
nothing happened for a while; docs/protocol.md ("Events") has the messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.iostream import StreamClosedError

from ..engine.chunk_files import dataset_files
from ..protocol import Answer, error_answer, handle
from .handlers import _Handler, _relative_to_root
from .watchers import TooManyStreams

if TYPE_CHECKING:
    from collections.abc import Hashable

    from ..engine import Dataset
    from .watchers import Stream

__all__ = ["EventsHandler"]

_PARAMETERS = frozenset({"path", "array"})
# How long a stream waits for its watcher's first look before saying hello anyway.
_READY_TIMEOUT = 10.0


class EventsHandler(_Handler):
    """One view's event stream; it ends when the client goes away or the server stops."""

    _stream: Stream | None = None

    @web.authenticated
    @authorized
    async def get(self) -> None:
        context = self.context
        hub = context.live
        if hub is None:
            self._send_error(
                Answer(
                    403,
                    {},
                    {"error": "live data is switched off on this server", "parameter": None},
                )
            )
            return
        try:
            params = self._query(_PARAMETERS)
        except Exception as exc:
            self._send_error(error_answer(exc))
            return
        opened: list[Dataset] = []

        def describe() -> Answer:
            # The same opening, checks and answers as ``info``: a bad path is refused alike.
            def dataset(p: Any) -> Dataset:
                ds = context.datasets.get(p, refresh=True)
                opened.append(ds)
                return ds

            answer = handle("info", params, dataset, context.engine, context.limits)
            return _relative_to_root(answer, context.roots.root_dir)

        answer = await self._run(describe)
        if answer is None:
            return
        if answer.status >= 400 or not opened:
            self._send_error(answer)
            return
        ds = opened[-1]
        try:
            stream = hub.open(self._client(), params, ds)
        except TooManyStreams as exc:
            self._send_error(Answer(429, {}, {"error": str(exc), "parameter": None}))
            return
        self._stream = stream
        try:
            await self._serve(stream, ds, hub.settings.keep_alive)
        finally:
            hub.close(stream)

    async def _serve(self, stream: Stream, ds: Dataset, keep_alive: float) -> None:
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-store")
        # Proxies (nginx, JupyterHub's) must pass each event on as it comes.
        self.set_header("X-Accel-Buffering", "no")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stream.watcher.ready.wait(), _READY_TIMEOUT)
        files = dataset_files(ds)
        # Remote tiles' tags follow the version (their keys are not stat'ed per tile).
        key = files.content_key() if files is not None and not files.remote else None
        try:
            await self._send("hello", {"version": ds.version, "key": key or ds.version})
            while not stream.closed:
                events = await stream.next(keep_alive)
                if stream.closed:
                    break
                if not events:
                    self.write(": keep-alive\n\n")
                    await self.flush()
                    continue
                for name, data in events:
                    self.write(_event(name, data))
                await self.flush()
        except StreamClosedError:
            # The client went away between two events; tornado finishes what is left.
            return

    async def _send(self, name: str, data: dict[str, Any]) -> None:
        self.write(_event(name, data))
        await self.flush()

    def _client(self) -> Hashable:
        # Jupyter makes up a new user for every request that comes with the server's token and
        # no login cookie: all of them are the token's holder.
        user = self.current_user
        name = "token" if self.token_authenticated else str(getattr(user, "username", user))
        return (name, self.request.remote_ip)

    def on_connection_close(self) -> None:
        if self._stream is not None:
            self._stream.close()
        super().on_connection_close()


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"
