"""The protocol over widget messages, for data that lives only in the kernel.

Requests are served on the engine's thread pool, not on the kernel's shell thread: a slow read
must not hold up the next message, and with comms over subshells (ipykernel 7, JupyterLab 4.4+)
the requests keep flowing while a cell runs.
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from typing import TYPE_CHECKING, Any

from ..engine import default_engine
from ..protocol import Limits, handle

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from concurrent.futures import Future

    import anywidget

    from ..engine import Dataset

__all__ = ["KernelTransport"]

log = logging.getLogger(__name__)


class KernelTransport:
    """Answers ``zarrview-request`` messages of one widget with ``zarrview-response`` ones."""

    def __init__(self, widget: anywidget.AnyWidget, dataset: Callable[[], Dataset]) -> None:
        self._widget = widget
        self._dataset = dataset
        self._engine = default_engine()
        self._limits = Limits()
        self._pending: dict[Any, Future[None]] = {}
        self._lock = threading.Lock()
        widget.on_msg(self._on_msg)

    def _on_msg(self, _widget: object, content: Any, _buffers: list[bytes]) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "zarrview-request":
            request_id = content.get("id")
            op = str(content.get("op", ""))
            raw = content.get("params") or {}
            params = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
            future = self._engine.executor.submit(self._serve, request_id, op, params)
            with self._lock:
                self._pending[request_id] = future
            future.add_done_callback(partial(self._forget, request_id))
        elif kind == "zarrview-cancel":
            with self._lock:
                pending = self._pending.get(content.get("id"))
            if pending is not None:
                pending.cancel()

    def _forget(self, request_id: Any, _done: Future[None]) -> None:
        with self._lock:
            self._pending.pop(request_id, None)

    def _serve(self, request_id: Any, op: str, params: Mapping[str, str]) -> None:
        answer = handle(op, params, lambda _p: self._dataset(), self._engine, self._limits)
        message = {
            "type": "zarrview-response",
            "id": request_id,
            "status": answer.status,
            "headers": dict(answer.headers),
            "json": answer.json,
        }
        try:
            self._widget.send(message, buffers=[answer.body] if answer.body is not None else None)
        except Exception:  # the front end went away; nothing is waiting for this answer
            log.debug("could not send the answer to request %r", request_id, exc_info=True)
