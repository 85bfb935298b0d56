"""Tornado handlers: thin adapters from HTTP to :mod:`jupyter_zarrview.protocol` and store keys.

Every handler is a Jupyter ``APIHandler`` that requires an authenticated user allowed to read
``contents``; the rest is Jupyter's own token, cookie and XSRF rules. Reads wait for one of
``max_concurrent_reads`` slots and run on the engine's threads, never on the IO loop; a request
whose client has gone away by the time its slot comes up is dropped unread.
"""

from __future__ import annotations

import asyncio
import json
import math
import socket
import time
import zipfile
import zlib
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

from jupyter_server.auth.decorator import allow_unauthenticated, authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web
from tornado.iostream import StreamClosedError

from ..engine import BadParameter, NotFound, PathNotAllowed, ZarrViewError
from ..engine.errors import filesystem_failure
from ..protocol import Answer, answer_without_reading, error_answer, etag_matches, handle
from .byte_ranges import Unsatisfiable, parse_range
from .compression import choose_encoding, compress_if_smaller
from .context import SETTINGS_KEY
from .paths import shown
from .store_keys import locate_key, locate_store, read_key
from .zarr_folders import zarr_folders

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import TypeVar

    from .context import ServerContext
    from .store_keys import StoreKey

    T = TypeVar("T")

__all__ = [
    "ApiHandler",
    "ShareHandler",
    "SharedKeyHandler",
    "StoreKeyHandler",
    "ZarrFoldersHandler",
]

_PARAMETERS = frozenset({"path", "array", "level", "sel", "bins"})
# Tiles may change while a job writes: a browser may keep them, but must ask again each time
# (a 304 costs no read). Errors are not kept at all.
_CACHE_CONTROL = "private, no-cache"
_BLOCK = 4 * 1024**2


class _Handler(ExtensionHandlerMixin, APIHandler):
    auth_resource = "contents"
    # The parameter a 400 raised by tornado itself (undecodable URL) is about.
    _url_parameter: str | None = None

    @property
    def context(self) -> ServerContext:
        return cast("ServerContext", self.settings[SETTINGS_KEY])

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # Jupyter's refusals (401/403) and tornado's own errors, in the protocol's error shape.
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, web.HTTPError):
            message = exc.log_message or exc.reason or self._reason
            if exc.log_message and exc.args:
                message = exc.log_message % exc.args
        elif exc is not None:
            self.log.error("zarrview: unexpected error", exc_info=kwargs["exc_info"])
            message = "internal error; see the server log"
        else:
            message = self._reason
        parameter = self._url_parameter if status_code == 400 else None
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"error": message, "parameter": parameter}))

    def _client_gone(self) -> bool:
        stream = getattr(self.request.connection, "stream", None)
        if stream is None:
            return False
        if stream.closed():
            return True
        try:
            # A peer that closed its end reads as EOF; peeking consumes nothing.
            return stream.socket.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except (BlockingIOError, InterruptedError):
            return False
        except ValueError:  # TLS sockets take no flags; rely on what tornado has seen
            return False
        except OSError:
            return True

    async def _run(self, work: Callable[[], T]) -> T | None:
        """``work()`` on the engine's threads once a read slot is free; None if the client left."""
        context = self.context
        async with context.slots:
            if self._client_gone():
                self.log.debug("zarrview: dropped %s, its client has gone", self.request.uri)
                return None
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(context.executor, work)

    def _query(self, names: frozenset[str]) -> dict[str, str]:
        """The query's parameters among ``names``, each given once and valid UTF-8.

        Others (token, cache busters) are Jupyter's or ignored.
        """
        out: dict[str, str] = {}
        for name, values in self.request.query_arguments.items():
            if name not in names:
                continue
            if len(values) != 1:
                raise BadParameter(
                    f"{name} is given {len(values)} times", parameter=name, expected="one value"
                )
            try:
                out[name] = values[0].decode("utf-8")
            except UnicodeDecodeError:
                raise BadParameter(
                    f"{name} is not valid UTF-8", parameter=name, expected="UTF-8 text"
                ) from None
        return out

    def _send_error(self, answer: Answer) -> None:
        self.set_status(answer.status)
        for name, value in answer.headers.items():
            self.set_header(name, value)
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(answer.json))


class ApiHandler(_Handler):
    """``GET api/v1/<op>``: ``info``, ``tile`` and ``stats`` of the protocol."""

    @web.authenticated
    @authorized
    async def get(self, op: str) -> None:
        try:
            params = self._query(_PARAMETERS)
        except ZarrViewError as exc:
            self._send_error(error_answer(exc))
            return
        context = self.context
        if_none_match = self.request.headers.get("If-None-Match")
        encoding = choose_encoding(self.request.headers.get("Accept-Encoding"))

        def for_the_wire(answer: Answer) -> tuple[Answer, bytes | None]:
            body = compress_if_smaller(answer.body, encoding) if encoding and answer.body else None
            return _relative_to_root(answer, context.roots.root_dir), body

        def without_reading() -> tuple[Answer, bytes | None] | None:
            try:
                ds = context.datasets.peek(params)
            except (ZarrViewError, OSError):
                return None
            if ds is None:
                return None
            answer = answer_without_reading(params, ds, context.limits, if_none_match=if_none_match)
            return None if answer is None else for_the_wire(answer)

        def work() -> tuple[Answer, bytes | None]:
            return for_the_wire(
                handle(
                    op,
                    params,
                    context.datasets.opener(op),
                    context.engine,
                    context.limits,
                    etag=True,
                    if_none_match=if_none_match,
                )
            )

        result = None
        if op == "tile" and context.slots.locked():
            # Every read slot is taken: a 304 or a cached tile needs none, so it must not queue
            # behind cold reads. (With a slot free, the read path answers those as fast.)
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(context.quick_executor, without_reading)
        if result is None:
            result = await self._run(work)
            if result is None:
                return
        answer, packed = result
        if answer.status >= 400:
            self._send_error(answer)
            return
        self.set_status(answer.status)
        for name, value in answer.headers.items():
            self.set_header(name, value)
        self.set_header("Cache-Control", _CACHE_CONTROL)
        if answer.body is None:
            if answer.status == 304:
                self.finish()
            else:
                self.finish(json.dumps(answer.json))
            return
        self.set_header("Vary", "Accept-Encoding")
        if packed is not None:
            self.set_header("Content-Encoding", str(encoding))
        self.finish(
            packed if packed is not None else answer.body,
            set_content_type="application/octet-stream",
        )


class ZarrFoldersHandler(_Handler):
    """``GET api/v1/zarr-folders?path=DIR``: the sub-folders of DIR that are Zarr stores."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        roots = self.context.roots
        try:
            text = self._query(frozenset({"path"})).get("path", "")
            names = await self._run(lambda: zarr_folders(text, roots))
        except ZarrViewError as exc:
            self._send_error(error_answer(exc))
            return
        if names is None:
            return
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"path": text, "zarr": names}))


class StoreKeyHandler(_Handler):
    """``GET``/``HEAD store/<path>/<key>``: one key of a local store, with ``Range`` support."""

    _url_parameter = "path"

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        await self._serve(path, head=False)

    @web.authenticated
    @authorized
    async def head(self, path: str) -> None:
        await self._serve(path, head=True)

    async def _serve(self, path: str, *, head: bool, within: str | None = None) -> None:
        roots = self.context.roots
        try:
            found = await self._run(lambda: locate_key(path, roots, within))
        except ZarrViewError as exc:
            self._send_error(error_answer(exc))
            return
        if found is None:
            return
        self.set_header("Accept-Ranges", "bytes")
        self.set_header("ETag", found.etag)
        self.set_header("Cache-Control", _CACHE_CONTROL)
        self.set_header("Content-Type", "application/octet-stream")
        if_none_match = self.request.headers.get("If-None-Match")
        if if_none_match is not None and etag_matches(if_none_match, found.etag):
            self.set_status(304)
            self.finish()
            return
        # Range applies to GET only; If-Range needs a strong validator, which a key lacks.
        header = (
            None
            if head or "If-Range" in self.request.headers
            else self.request.headers.get("Range")
        )
        try:
            byte_range = parse_range(header, found.size)
        except Unsatisfiable:
            self.set_header("Content-Range", f"bytes */{found.size}")
            self._send_error(
                Answer(
                    416,
                    {},
                    {
                        "error": f"range {header!r} is outside the key's {found.size} bytes",
                        "parameter": "Range",
                    },
                )
            )
            return
        start, stop = (0, found.size) if byte_range is None else (byte_range.start, byte_range.stop)
        if byte_range is not None:
            self.set_status(206)
            self.set_header("Content-Range", byte_range.content_range(found.size))
        self.set_header("Content-Length", str(stop - start))
        if head:
            self.finish(set_content_type="application/octet-stream")
            return
        await self._send_bytes(found, start, stop, path)

    async def _send_bytes(self, found: StoreKey, start: int, stop: int, path: str) -> None:
        # Block by block, each read in a slot of its own: a slow client holds no slot while
        # its bytes drain, and a client that left stops the reading.
        position = start
        while True:
            end = min(stop, position + _BLOCK)
            failed: BaseException | None = None
            try:
                chunk = await self._run(partial(read_key, found, position, end))
            except (OSError, KeyError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
                chunk, failed = b"", exc
            if chunk is None:
                # The client has gone, with the answer's length promised in its headers: end
                # the connection, or tornado finishes the answer short and logs an error.
                close = getattr(self.request.connection, "close", None)
                if close is not None:
                    close()
                return
            if failed is not None or len(chunk) != end - position:
                # Removed or rewritten since it was found: a 404 if nothing went out yet,
                # else the answer ends short, which HTTP clients detect by its length. A file
                # that may be stated but not opened (another user's) is a 403 that says so.
                refused = isinstance(failed, PermissionError)
                if not refused:
                    self.log.warning("zarrview: %s changed while being sent", found.key)
                if position == start:
                    self.clear_header("Content-Range")
                    self.clear_header("Content-Length")
                    self.clear_header("ETag")
                    error = (
                        filesystem_failure(cast("OSError", failed), f"path {shown(path)}")
                        if refused
                        else NotFound(f"no such Zarr key: {shown(path)}", parameter="path")
                    )
                    self._send_error(error_answer(error))
                else:
                    close = getattr(self.request.connection, "close", None)
                    if close is not None:
                        close()
                return
            position = end
            if position >= stop:
                self.finish(chunk, set_content_type="application/octet-stream")
                return
            self.write(chunk)
            try:
                await self.flush()
            except StreamClosedError:  # the client has gone halfway through: nothing to end
                return


class ShareHandler(_Handler):
    """``POST api/v1/share?path=P[&expires_in=S]``: a share link of the store at P."""

    # Minting writes nothing: it hands on the caller's own right to read P.
    @web.authenticated
    @authorized("read")
    async def post(self) -> None:
        links = self.context.share_links
        if links is None:
            self._send_error(
                Answer(
                    403,
                    {},
                    {"error": "share links are switched off on this server", "parameter": None},
                )
            )
            return
        roots = self.context.roots
        try:
            query = self._query(frozenset({"path", "expires_in"}))
            text = query.get("path", "")
            expires_in = _seconds(query.get("expires_in"))
            store = await self._run(lambda: locate_store(text, roots))
            if store is None:
                return
            capability, shared, expires = links.mint(text, expires_in, time.time())
        except ZarrViewError as exc:
            self._send_error(error_answer(exc))
            return
        # An absolute path keeps its leading slash after the capability, as store URLs do.
        url = f"{self.base_url}zarrview/shared/{capability}/{quote(shared)}"
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"url": url, "path": text, "expires": expires}))


class SharedKeyHandler(StoreKeyHandler):
    """``GET``/``HEAD shared/<capability>/<path>/<key>``: a store key, for a share link's holder.

    The link is the credential, so Jupyter's login is not asked for and any origin may read
    (no cookie or token is looked at, so no other site can borrow the user's session here).
    """

    @allow_unauthenticated
    async def get(self, capability: str, path: str) -> None:
        await self._serve_shared(capability, path, head=False)

    @allow_unauthenticated
    async def head(self, capability: str, path: str) -> None:
        await self._serve_shared(capability, path, head=True)

    @allow_unauthenticated
    def options(self, *args: Any, **kwargs: Any) -> None:
        self.set_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        self.set_header("Access-Control-Allow-Headers", "Range, If-None-Match")
        self.set_header("Access-Control-Max-Age", "86400")
        self.set_status(204)
        self.finish()

    def check_origin(self, origin_to_satisfy_tornado: str = "") -> bool:
        return True

    def set_default_headers(self) -> None:
        super().set_default_headers()
        self._allow_any_origin()

    def set_cors_headers(self) -> None:
        self._allow_any_origin()

    def _allow_any_origin(self) -> None:
        self.set_header("Access-Control-Allow-Origin", "*")
        self.set_header(
            "Access-Control-Expose-Headers", "Content-Range, Content-Length, ETag, Accept-Ranges"
        )

    async def _serve_shared(self, capability: str, path: str, *, head: bool) -> None:
        links = self.context.share_links
        try:
            if links is None:
                raise PathNotAllowed("share links are switched off on this server")
            store, _key = links.scope(capability, path, time.time())
        except ZarrViewError as exc:
            self._send_error(error_answer(exc))
            return
        await self._serve(path, head=head, within=store)


def _seconds(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise BadParameter(
            f"expires_in must be a number of seconds, got {text[:40]!r}",
            parameter="expires_in",
            expected="a number of seconds",
        )
    return value


def _relative_to_root(answer: Answer, root_dir: Path) -> Answer:
    """An error that names files under the root dir names them as clients do: relative to it.

    The engine speaks of the resolved paths it opened; the server's absolute layout is none of
    the client's business.
    """
    body = answer.json
    if answer.status < 400 or not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return answer
    prefix = str(root_dir).rstrip("/") + "/"
    message = body["error"].replace(prefix, "")
    return replace(answer, json={**body, "error": message})
