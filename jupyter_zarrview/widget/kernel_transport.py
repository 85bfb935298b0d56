"""The protocol over widget messages, for data that lives only in the kernel.

Requests are served on the engine's thread pool, not on the kernel's shell thread: a slow read
must not hold up the next message, and with comms over subshells (ipykernel 7, JupyterLab 4.4+)
the requests keep flowing while a cell runs.

What the kernel sends is bounded. Every request gets exactly one answer, so the front end can
count what it has outstanding and keeps that to a few (``docs/protocol.md``); a request the
front end cancelled is answered with a small ``499`` and no body, whether or not its read had
started; a front end that asks for more than ``MAX_PENDING`` at once is told ``429`` without a
read; and nothing is sent to a front end that has gone away.

Every message goes out as a reply to the view's own last message. ipykernel (7.4+) routes a
comm's incoming messages to the shell that the comm's last outgoing message named as its parent,
and a message sent from a thread of ours would otherwise name whatever request the kernel last
took, often the cell that runs the writer: the view's next requests would then wait in the main
shell behind that cell, for as long as it runs.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..engine import default_engine
from ..engine.chunk_files import dataset_files
from ..engine.errors import NotFound
from ..protocol import Answer, Limits, handle

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from concurrent.futures import Future

    import anywidget

    from ..engine import Dataset, Engine

__all__ = ["MAX_PENDING", "KernelTransport"]

log = logging.getLogger(__name__)

#: Requests one view may have in the kernel at once; the viewer keeps to fewer.
MAX_PENDING = 8

# 499, as nginx names a request its client gave up on.
_CANCELLED_ANSWER = Answer(499, {}, {"error": "cancelled"})


@dataclass
class _Pending:
    future: Future[None] | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)


def _validated(answer: Answer, if_none_match: str | None) -> Answer:
    """A tile answer's validator is a digest of its bytes: data that lives in the kernel has no
    files to stat, and after ``refresh()`` a tile whose content did not change answers 304 with
    no body, so only what changed travels again."""
    if answer.status != 200 or answer.body is None:
        return answer
    digest = hashlib.blake2b(answer.body, digest_size=16)
    for name in ("X-Zarrview-Shape", "X-Zarrview-Dtype"):
        digest.update(answer.headers.get(name, "").encode())
    tag = f'"k{digest.hexdigest()}"'
    if if_none_match == tag:
        return Answer(304, {"ETag": tag})
    return Answer(answer.status, {**answer.headers, "ETag": tag}, answer.json, answer.body)


class KernelTransport:
    """Answers ``zarrview-request`` messages of one widget with ``zarrview-response`` ones."""

    def __init__(
        self,
        widget: anywidget.AnyWidget,
        dataset: Callable[[], Dataset],
        on_watch: Callable[[bool], None] | None = None,
        layer: Callable[[str], Dataset] | None = None,
        on_pick: Callable[[str], None] | None = None,
    ) -> None:
        self._widget = widget
        self._dataset = dataset
        self._layer = layer
        self._on_pick = on_pick
        self._on_watch = on_watch
        self._engine = default_engine()
        self._limits = Limits()
        self._pending: dict[Any, _Pending] = {}
        self._lock = threading.Lock()
        # The context of the shell that took the view's last message (its parent request).
        self._reply_context: contextvars.Context | None = None
        widget.on_msg(self._on_msg)

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def alive(self) -> bool:
        """The widget's front end is still there to be told anything."""
        return getattr(self._widget, "comm", None) is not None

    @property
    def pending(self) -> int:
        """Requests read or waiting to be read, not answered yet."""
        with self._lock:
            return len(self._pending)

    def _on_msg(self, _widget: object, content: Any, _buffers: list[bytes]) -> None:
        if not isinstance(content, dict):
            return
        self._reply_context = contextvars.copy_context()
        kind = content.get("type")
        if kind == "zarrview-request":
            self._on_request(content)
        elif kind == "zarrview-cancel":
            self._on_cancel(content.get("id"))
        elif kind == "zarrview-watch" and self._on_watch is not None:
            self._on_watch(content.get("on") is True)
        elif kind == "zarrview-pick" and self._on_pick is not None:
            self._on_pick(str(content.get("array") or ""))

    def _on_request(self, content: dict[str, Any]) -> None:
        request_id = content.get("id")
        op = str(content.get("op", ""))
        raw = content.get("params") or {}
        params = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
        with self._lock:
            busy = len(self._pending) >= MAX_PENDING or request_id in self._pending
            if not busy:
                pending = self._pending[request_id] = _Pending()
        if busy:
            message = f"more than {MAX_PENDING} requests in flight; wait for answers first"
            self._send(request_id, Answer(429, {}, {"error": message}))
            return
        pending.future = self._engine.executor.submit(self._serve, request_id, op, params, pending)

    def _on_cancel(self, request_id: Any) -> None:
        with self._lock:
            pending = self._pending.get(request_id)
        if pending is None:
            return
        pending.cancelled.set()
        if pending.future is not None and pending.future.cancel():
            # Never started: nothing else will answer it.
            self._finish(request_id, _CANCELLED_ANSWER)

    def _serve(
        self, request_id: Any, op: str, params: Mapping[str, str], pending: _Pending
    ) -> None:
        if pending.cancelled.is_set():
            answer = _CANCELLED_ANSWER
        else:
            answer = self._answer(op, params)
            if pending.cancelled.is_set():  # given up while it was read: no body travels
                answer = _CANCELLED_ANSWER
        self._finish(request_id, answer)

    def _named(self, params: Mapping[str, str]) -> Dataset:
        """The data a request names: the widget's, or one of its layers (a label image)."""
        layer = params.get("layer")
        if layer is None:
            return self._dataset()
        if self._layer is None:
            raise NotFound(f"this view has no layer {layer!r}", parameter="layer")
        return self._layer(layer)

    def _answer(self, op: str, params: Mapping[str, str]) -> Answer:
        if op != "tile":
            return handle(op, params, self._named, self._engine, self._limits)
        if_none_match = params.get("if_none_match")
        try:
            files = dataset_files(self._named(params))
        except Exception:
            files = None
        if files is not None:
            # A store with keys: the tile's validator follows its chunk files (on disk) or the
            # dataset's version (remote), as over HTTP, and reading it records its keys for the
            # kernel's watcher (and refreshes a stale reader).
            return handle(
                op,
                params,
                self._named,
                self._engine,
                self._limits,
                etag=True,
                if_none_match=if_none_match,
            )
        answer = handle(op, params, self._named, self._engine, self._limits)
        return _validated(answer, if_none_match)

    def push(self, event: str, data: Mapping[str, Any]) -> None:
        """Tells the view of a change, as the server's events do (``docs/protocol.md``)."""
        if getattr(self._widget, "comm", None) is None:
            return
        try:
            self._reply({"type": "zarrview-event", "event": event, "data": dict(data)})
        except Exception:
            log.debug("could not send a %s event", event, exc_info=True)

    def _finish(self, request_id: Any, answer: Answer) -> None:
        with self._lock:
            self._pending.pop(request_id, None)
        self._send(request_id, answer)

    def _reply(self, message: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        context = self._reply_context
        if context is None:  # nothing heard from the view yet
            self._widget.send(message, buffers=buffers)
        else:
            # A copy each time: a context is entered by one thread at a time.
            context.copy().run(self._widget.send, message, buffers=buffers)

    def _send(self, request_id: Any, answer: Answer) -> None:
        if getattr(self._widget, "comm", None) is None:
            return  # the widget was closed: nobody is there to read it
        message = {
            "type": "zarrview-response",
            "id": request_id,
            "status": answer.status,
            "headers": dict(answer.headers),
            "json": answer.json,
        }
        try:
            self._reply(message, [answer.body] if answer.body is not None else None)
        except Exception:  # the front end went away; nothing is waiting for this answer
            log.debug("could not send the answer to request %r", request_id, exc_info=True)
