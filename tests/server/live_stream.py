"""A server-sent events client for the tests: a real socket, HTTP/1.1 chunked, every read timed.

tornado's HTTP client only hands a streamed answer over when it ends; this one reads events as
they come, and closes its socket when asked, as a browser tab going away does.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from server_helpers import TOKEN
from tornado.iostream import IOStream, StreamClosedError
from tornado.tcpclient import TCPClient


@dataclass
class Event:
    name: str
    data: Any


@dataclass
class EventStream:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    comments: list[str] = field(default_factory=list)
    ended: bool = False
    _stream: IOStream | None = None
    _buffer: bytes = b""
    _chunked: bool = False
    _events: asyncio.Queue[Event | None] = field(default_factory=asyncio.Queue)
    _pump: asyncio.Task[None] | None = None

    async def next(self, timeout: float = 10.0) -> Event:
        """The next event (comments are kept in ``comments``); TimeoutError past ``timeout``."""
        event = await asyncio.wait_for(self._events.get(), timeout)
        if event is None:
            self._events.put_nowait(None)
            raise StreamClosedError()
        return event

    def start(self) -> None:
        # One reader for the stream's life: a read given up half-way would leave the socket
        # in the middle of a chunk.
        self._pump = asyncio.get_running_loop().create_task(self._read_events())

    async def _read_events(self) -> None:
        try:
            while True:
                while b"\n\n" not in self._buffer:
                    self._buffer += await self._read_some()
                block, self._buffer = self._buffer.split(b"\n\n", 1)
                name, data = "message", []
                for line in block.decode().split("\n"):
                    if line.startswith(":"):
                        self.comments.append(line[1:].strip())
                    elif line.startswith("event:"):
                        name = line[len("event:") :].strip()
                    elif line.startswith("data:"):
                        data.append(line[len("data:") :].strip())
                if data:
                    self._events.put_nowait(Event(name, json.loads("\n".join(data))))
        except StreamClosedError:
            self.ended = True
            self._events.put_nowait(None)

    async def quiet(self, seconds: float) -> list[Event]:
        """The events that arrive within ``seconds`` (normally none)."""
        got: list[Event] = []
        deadline = asyncio.get_running_loop().time() + seconds
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                got.append(await self.next(left))
            except asyncio.TimeoutError:
                break
        return got

    async def _read_some(self) -> bytes:
        assert self._stream is not None
        if not self._chunked:
            return await self._stream.read_bytes(65536, partial=True)
        size_line = await self._stream.read_until(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        chunk = await self._stream.read_bytes(size + 2)
        if size == 0:
            raise StreamClosedError()
        return chunk[:-2]

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
        if self._pump is not None:
            self._pump.cancel()


async def open_events(
    port: int,
    base_url: str,
    *,
    token: str | None = TOKEN,
    source_ip: str | None = None,
    timeout: float = 10.0,
    **params: str,
) -> EventStream:
    """``GET {base_url}zarrview/api/v1/events?params``: its status and headers, and the stream."""
    stream = await asyncio.wait_for(
        TCPClient().connect("127.0.0.1", port, source_ip=source_ip), timeout
    )
    auth = f"Authorization: token {token}\r\n" if token else ""
    request = (
        f"GET {base_url}zarrview/api/v1/events?{urlencode(params)} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n{auth}Accept: text/event-stream\r\n\r\n"
    )
    await stream.write(request.encode())
    head = await asyncio.wait_for(stream.read_until(b"\r\n\r\n"), timeout)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    out = EventStream(status, headers, _stream=stream)
    out._chunked = headers.get("transfer-encoding", "").lower() == "chunked"
    if status != 200:
        length = int(headers.get("content-length", "0"))
        if out._chunked:
            while True:
                try:
                    out.body += await asyncio.wait_for(out._read_some(), timeout)
                except StreamClosedError:
                    break
        elif length:
            out.body = await asyncio.wait_for(stream.read_bytes(length), timeout)
        stream.close()
    else:
        out.start()
    return out
