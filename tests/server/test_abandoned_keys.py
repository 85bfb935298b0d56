"""A Zarr client that goes away while its key is being found: hung up on, and nothing logged.

Zarr viewers abandon requests all the time (neuroglancer cancels the chunks a pan has left
behind). The handler notices it when its read's turn comes; it must then end the connection
rather than an answer whose length it has already promised.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading

import pytest
from server_helpers import TOKEN

from jupyter_zarrview.server import handlers

KEY_BYTES = 64 * 1024


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors():
    """Error records of tornado and Jupyter, wherever their propagation is configured to go."""
    handler = _Records()
    loggers = [logging.getLogger(n) for n in ("tornado.application", "tornado.general")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.records
    for logger in loggers:
        logger.removeHandler(handler)


async def test_a_client_gone_before_its_key_is_read_gets_no_answer_and_no_error_is_logged(
    jp_fetch, jp_http_port, jp_base_url, layout, monkeypatch, errors
):
    store = layout.root / "abandoned.zarr"
    store.mkdir(exist_ok=True)
    (store / "blob").write_bytes(bytes(range(256)) * (KEY_BYTES // 256))
    response = await jp_fetch("zarrview", "store", "abandoned.zarr/blob", method="HEAD")
    assert response.headers["Content-Length"] == str(KEY_BYTES)

    loop = asyncio.get_running_loop()
    located = loop.create_future()
    locate = handlers.locate_key

    def locate_then_tell(*args, **kwargs):
        found = locate(*args, **kwargs)
        # Scheduled before the handler hears of the result: the client leaves after the key
        # was looked up and before the handler's next step, faster than the server's loop
        # could notice (as a busy server's loop often cannot).
        loop.call_soon_threadsafe(located.set_result, None)
        return found

    monkeypatch.setattr(handlers, "locate_key", locate_then_tell)
    reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    try:
        writer.write(
            f"GET {jp_base_url}zarrview/store/abandoned.zarr/blob HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{jp_http_port}\r\nAuthorization: token {TOKEN}\r\n\r\n".encode()
        )
        await writer.drain()
        # Awaited directly (no wait_for, which would wake this task a step later).
        give_up = loop.call_later(10, located.cancel)
        await located
        give_up.cancel()
        # What an aborted fetch does: the client's end of the connection closes.
        writer.get_extra_info("socket").shutdown(socket.SHUT_WR)
        received = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    assert [r.getMessage() for r in errors] == []
    assert received == b"", received.decode(errors="replace")


async def test_a_client_gone_halfway_through_a_large_key_is_let_go_without_an_error(
    jp_fetch, jp_http_port, jp_base_url, layout, monkeypatch, errors
):
    # A key of several blocks (a whole shard): the client leaves between two of them.
    monkeypatch.setattr(handlers, "_BLOCK", KEY_BYTES // 4)
    store = layout.root / "abandoned_large.zarr"
    store.mkdir(exist_ok=True)
    (store / "blob").write_bytes(bytes(range(256)) * (KEY_BYTES // 256))

    loop = asyncio.get_running_loop()
    second_block, finished = loop.create_future(), loop.create_future()
    noticed = threading.Event()
    read_key = handlers.read_key

    def read_once_the_client_has_gone(found, start, stop):
        if start > 0 and not second_block.done():
            loop.call_soon_threadsafe(second_block.set_result, None)
            assert noticed.wait(10)
        return read_key(found, start, stop)

    on_close = handlers.StoreKeyHandler.on_connection_close
    on_finish = handlers.StoreKeyHandler.on_finish

    def closed(self):
        noticed.set()
        on_close(self)

    def done(self):
        if not finished.done():
            finished.set_result(self.get_status())
        on_finish(self)

    monkeypatch.setattr(handlers, "read_key", read_once_the_client_has_gone)
    monkeypatch.setattr(handlers.StoreKeyHandler, "on_connection_close", closed)
    monkeypatch.setattr(handlers.StoreKeyHandler, "on_finish", done)
    reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    try:
        writer.write(
            f"GET {jp_base_url}zarrview/store/abandoned_large.zarr/blob HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{jp_http_port}\r\nAuthorization: token {TOKEN}\r\n\r\n".encode()
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 200 ")
        await asyncio.wait_for(second_block, 10)
    except BaseException:
        noticed.set()  # the reader thread must not wait for what will not come
        raise
    finally:
        writer.close()
    assert await asyncio.wait_for(finished, 10) == 200
    assert [r.getMessage() for r in errors] == []
