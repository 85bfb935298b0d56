"""The engine's typed errors. Each also subclasses the builtin it refines, so callers that know
nothing of jupyter_zarrview still catch them sensibly; transports map them to statuses."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

__all__ = [
    "BadParameter",
    "ChunkNotReady",
    "NotAnImage",
    "NotFound",
    "NotZarr",
    "PathNotAllowed",
    "SelectionTooLarge",
    "StoreUnavailable",
    "UnsupportedDtype",
    "ZarrViewError",
    "store_failure",
]


class ZarrViewError(Exception):
    """Base of the engine's errors: a message for people, attributes for programs."""

    def __init__(
        self, message: str, *, parameter: str | None = None, expected: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter
        self.expected = expected

    def extras(self) -> dict[str, Any]:
        return {}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.message}
        if self.parameter is not None:
            out["parameter"] = self.parameter
        if self.expected is not None:
            out["expected"] = self.expected
        out.update(self.extras())
        return out


class BadParameter(ZarrViewError, ValueError):
    """A parameter is missing or malformed."""


class PathNotAllowed(ZarrViewError, PermissionError):
    """A path outside the allowed roots, a hidden path, a URL not on the allow-list, or a
    remote store that refuses the credentials it was given."""


class NotFound(ZarrViewError, FileNotFoundError):
    """No such path, array or key."""


class SelectionTooLarge(ZarrViewError, ValueError):
    """A selection with more elements than allowed."""

    def __init__(
        self,
        message: str,
        *,
        limit: int,
        parameter: str | None = "sel",
        expected: str | None = None,
    ) -> None:
        super().__init__(
            message, parameter=parameter, expected=expected or f"at most {limit} elements"
        )
        self.limit = limit

    def extras(self) -> dict[str, Any]:
        return {"limit": self.limit}


class NotZarr(ZarrViewError, ValueError):
    """A path that exists but holds no Zarr array or group."""


class NotAnImage(ZarrViewError, ValueError):
    """A group that is not an image; ``children`` lists what it holds."""

    def __init__(self, message: str, *, children: list[dict[str, Any]]) -> None:
        super().__init__(
            message, parameter="array", expected="the path of an image or array in the group"
        )
        self.children = children

    def extras(self) -> dict[str, Any]:
        return {"children": self.children}


class UnsupportedDtype(ZarrViewError, TypeError):
    """A dtype the wire protocol cannot carry (complex, structured, strings)."""


class ChunkNotReady(ZarrViewError, OSError):
    """A chunk that could not be decoded, most likely because a writer is still writing it."""

    def __init__(self, message: str, *, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def extras(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after}


class StoreUnavailable(ChunkNotReady, ConnectionError):
    """A remote store that could not be reached: refused, timed out, or an unknown host.

    Like a chunk that is not ready, it may well answer a moment later (a restarted endpoint, a
    network hiccup), so it is one: transports answer both with 503 and ``Retry-After``.
    """

    def __init__(self, message: str, *, retry_after: float = 5.0) -> None:
        super().__init__(message, retry_after=retry_after)
        self.parameter = "path"


# Unreachable hosts surface as the builtin errors somewhere down the chain, whichever client
# (aiohttp, botocore, requests) raised the outer one; DNS failures are plain OSErrors.
_UNREACHABLE = (ConnectionError, TimeoutError, asyncio.TimeoutError, socket.gaierror)


def store_failure(exc: BaseException, what: str) -> ZarrViewError | None:
    """The typed error for a remote store's refusal or absence behind ``exc``, or None.

    fsspec filesystems raise their own classes, but chain them to a ``PermissionError`` (S3's
    403) or to the socket error that broke the connection, so the chain is what tells.
    """
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if isinstance(link, PermissionError):
            return PathNotAllowed(
                f"{what}: the store refused access ({link}); check the credentials in "
                "storage_options",
                parameter="path",
                expected="credentials that may read the store",
            )
        if isinstance(link, _UNREACHABLE):
            return StoreUnavailable(f"{what}: the store could not be reached ({exc})")
        link = link.__cause__ or link.__context__
    return None
