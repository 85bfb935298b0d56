"""The engine's typed errors. Each also subclasses the builtin it refines, so callers that know
nothing of jupyter_zarrview still catch them sensibly; transports map them to statuses."""

from __future__ import annotations

from typing import Any

__all__ = [
    "BadParameter",
    "ChunkNotReady",
    "NotAnImage",
    "NotFound",
    "NotZarr",
    "PathNotAllowed",
    "SelectionTooLarge",
    "UnsupportedDtype",
    "ZarrViewError",
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
    """A path outside the allowed roots, a hidden path, a URL not on the allow-list."""


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
