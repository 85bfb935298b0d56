"""What the kernel sends is bounded: one answer per request, none with a body once cancelled,
a refusal past the limit, and nothing once the front end has gone."""

from __future__ import annotations

import contextvars
import threading
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from test_zarrview import Replies, request

from jupyter_zarrview import ZarrView
from jupyter_zarrview.widget import kernel_transport

if TYPE_CHECKING:
    from collections.abc import Iterator


class Gate:
    """Holds every read until the test opens it, so requests pile up as in a slow kernel."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.started = threading.Semaphore(0)

    def set(self) -> None:
        self.opened.set()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    held = Gate()
    real = kernel_transport.handle

    def handle(*args: Any, **kwargs: Any) -> Any:
        held.started.release()
        assert held.opened.wait(timeout=30)
        return real(*args, **kwargs)

    monkeypatch.setattr(kernel_transport, "handle", handle)
    yield held
    held.set()


def cancel(widget: ZarrView, rid: int) -> None:
    widget._transport._on_msg(widget, {"type": "zarrview-cancel", "id": rid}, [])


def view() -> ZarrView:
    return ZarrView(np.arange(4 * 600 * 700, dtype=np.uint16).reshape(4, 600, 700))


TILE = {"level": "0", "sel": "1,0:512,0:512"}


def test_a_request_cancelled_while_read_is_answered_without_its_body(gate):
    widget = view()
    replies = Replies(widget)
    request(widget, 1, "tile", **TILE)
    assert gate.started.acquire(timeout=10)  # the read has begun
    cancel(widget, 1)
    gate.set()
    ((content, buffers),) = replies.wait(1)
    assert (content["id"], content["status"], buffers) == (1, 499, [])
    assert widget._transport.pending == 0


def test_a_request_cancelled_before_its_read_is_answered_at_once():
    widget = view()
    replies = Replies(widget)
    executor = widget._transport._engine.executor
    release = threading.Event()
    # Every read thread busy elsewhere (other views): these requests wait in the queue.
    busy = [executor.submit(release.wait, 30) for _ in range(executor._max_workers)]
    request(widget, 1, "tile", **TILE)
    request(widget, 2, "tile", **TILE)
    cancel(widget, 2)
    ((content, buffers),) = replies.wait(1)
    assert (content["id"], content["status"], buffers) == (2, 499, [])
    release.set()
    for future in busy:
        future.result(timeout=10)
    answers = replies.wait(2)
    assert sorted((c["id"], c["status"]) for c, _ in answers) == [(1, 200), (2, 499)]


def test_past_the_limit_a_request_is_refused_without_a_read(gate):
    widget = view()
    replies = Replies(widget)
    for rid in range(kernel_transport.MAX_PENDING):
        request(widget, rid, "tile", **TILE)
    request(widget, 99, "tile", **TILE)
    ((content, buffers),) = replies.wait(1)
    assert (content["id"], content["status"], buffers) == (99, 429, [])
    assert "in flight" in content["json"]["error"]
    gate.set()
    assert len(replies.wait(kernel_transport.MAX_PENDING + 1)) == kernel_transport.MAX_PENDING + 1


def test_nothing_is_sent_once_the_widget_is_closed(gate):
    widget = view()
    replies = Replies(widget)
    request(widget, 1, "tile", **TILE)
    assert gate.started.acquire(timeout=10)
    widget.close()
    gate.set()
    widget._transport._engine.executor.submit(lambda: None).result(timeout=10)  # drained
    assert replies.messages == []


def test_refresh_tells_the_view_and_only_changed_tiles_travel_again():
    data = np.zeros((2, 600, 700), dtype=np.uint16)
    widget = ZarrView(data)
    replies = Replies(widget)
    tiles = {"left": "1,0:512,0:512", "right": "1,0:512,512:700"}
    for rid, sel in enumerate(tiles.values()):
        request(widget, rid, "tile", level="0", sel=sel)
    first = {c["id"]: c for c, _ in replies.wait(2)}
    etags = [first[rid]["headers"]["ETag"] for rid in range(2)]
    data[1, 10, 600] = 7  # in place, in the right-hand tile only
    widget.refresh()
    (event, buffers) = replies.wait(3)[2]
    assert (event["type"], event["event"], buffers) == ("zarrview-event", "change", [])
    assert event["data"]["levels"][0]["boxes"] == [[[0, 0, 0], [2, 600, 700]]]
    for rid, (sel, etag) in enumerate(zip(tiles.values(), etags, strict=True), start=10):
        request(widget, rid, "tile", level="0", sel=sel, if_none_match=etag)
    again = {c["id"]: (c, b) for c, b in replies.wait(5)[3:]}
    assert (again[10][0]["status"], again[10][1]) == (304, [])  # unchanged: no body
    assert again[11][0]["status"] == 200
    right = np.frombuffer(again[11][1][0], dtype=np.uint16).reshape(512, 188)
    assert right[10, 600 - 512] == 7


def test_answers_and_events_go_out_as_replies_to_the_views_last_message():
    # The kernel keeps the request it handles in a context variable; a comm's next messages go
    # to the shell its last outgoing message named as parent. What a reader or a watcher
    # thread sends must name the view's message, not the cell the main shell runs meanwhile.
    parent: contextvars.ContextVar[str] = contextvars.ContextVar("parent", default="none")
    widget = view()
    seen: list[tuple[str, str]] = []
    widget.send = lambda content, buffers=None: seen.append((content["type"], parent.get()))

    def from_the_subshell() -> None:
        parent.set("the view's request")
        request(widget, 1, "tile", **TILE)

    thread = threading.Thread(target=from_the_subshell)
    thread.start()
    thread.join()
    parent.set("the writer's cell")
    pusher = threading.Thread(target=widget._transport.push, args=("change", {"version": "2"}))
    pusher.start()
    pusher.join()
    widget.refresh()  # from the main shell, in the middle of a cell
    deadline = time.monotonic() + 10
    while len(seen) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(seen) == [("zarrview-event", "the view's request")] * 2 + [
        ("zarrview-response", "the view's request")
    ]
