"""The engine's typed errors. Each also subclasses the builtin it refines, so callers that know
nothing of jupyter_zarrview still catch them sensibly; transports map them to statuses."""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import Any

__all__ = [
    "BadParameter",
    "ChunkNotReady",
    "EmptyPlate",
    "NotAnImage",
    "NotFound",
    "NotZarr",
    "PathNotAllowed",
    "SelectionTooLarge",
    "StoreUnavailable",
    "UnsupportedDtype",
    "ZarrViewError",
    "filesystem_failure",
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


class EmptyPlate(ZarrViewError, ValueError):
    """A plate none of whose wells can be shown, or a well none of whose fields can.

    ``children`` lists the images and arrays below it, as for a group that is not an image:
    one of them may still open with ``array``.
    """

    def __init__(self, message: str, *, children: list[dict[str, Any]] | None = None) -> None:
        super().__init__(
            message,
            parameter="path",
            expected="a plate with at least one well (a well with at least one field) to show",
        )
        self.children = children or []

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
    """A store that could not be reached or read just now: a remote one refused, timed out or
    had an unknown host, or a local file system failed (an I/O error, a stale NFS handle).

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


# What the operating system says about a path, in words for whoever typed it. Each errno here
# is about the path the request named, so the answer is a 4xx that names its parameter.
_TOO_LONG = "names of at most 255 bytes, in a path of at most 4096 bytes"
_PATH_ERRNOS: dict[int, tuple[type[ZarrViewError], str, str | None]] = {
    errno.ENAMETOOLONG: (
        BadParameter,
        "{what} is too long for the file system: a name in it is longer than 255 bytes, or "
        "the whole path longer than 4096",
        _TOO_LONG,
    ),
    errno.ELOOP: (
        NotFound,
        "{what} cannot be followed: it goes through too many symbolic links (one that points "
        "back at itself?)",
        None,
    ),
    errno.EACCES: (
        PathNotAllowed,
        "{what} cannot be read: the server's account has no permission to open it",
        None,
    ),
    errno.EPERM: (
        PathNotAllowed,
        "{what} cannot be read: the file system does not permit it",
        None,
    ),
    errno.ENOTDIR: (
        NotFound,
        "no such path: {what} goes through a file as if it were a folder",
        None,
    ),
    errno.ENOENT: (NotFound, "no such path: {what}", None),
    errno.EISDIR: (NotFound, "{what} is a folder where a file was expected", None),
    errno.EINVAL: (
        BadParameter,
        "{what} cannot be opened: the file system calls the name invalid",
        None,
    ),
    errno.EILSEQ: (
        BadParameter,
        "{what} cannot be opened: the file system calls the name invalid",
        None,
    ),
    errno.ENXIO: (NotFound, "{what} is a device or socket, not a file", None),
    errno.ENODEV: (NotFound, "{what} is a device, not a file", None),
}


def filesystem_failure(exc: OSError, what: str, parameter: str = "path") -> ZarrViewError:
    """The typed error for an ``OSError`` that resolving, stating or opening a path raised.

    ``what`` names the path as the client wrote it (``"path 'exp.zarr'"``). Errors about the
    path itself (too long, a symlink loop, no permission, a file used as a folder...) are the
    request's: 4xx naming ``parameter``. Anything else (an I/O error, a stale NFS handle, no
    file descriptors left) is the server's state, which may well pass: 503 with Retry-After.
    """
    if isinstance(exc, ZarrViewError):
        return exc
    code = exc.errno if exc.errno is not None else _errno_of_class(exc)
    known = _PATH_ERRNOS.get(code) if code is not None else None
    if known is None:
        reason = exc.strerror or type(exc).__name__
        failure: ZarrViewError = StoreUnavailable(
            f"{what} could not be read just now: {reason}", retry_after=5.0
        )
        failure.parameter = parameter
        return failure
    cls, message, expected = known
    return cls(message.format(what=what), parameter=parameter, expected=expected)


def _errno_of_class(exc: OSError) -> int | None:
    # Raised by Python code rather than by a system call, an OSError may carry no errno.
    for cls, code in (
        (FileNotFoundError, errno.ENOENT),
        (NotADirectoryError, errno.ENOTDIR),
        (IsADirectoryError, errno.EISDIR),
        (PermissionError, errno.EACCES),
    ):
        if isinstance(exc, cls):
            return code
    return None
