"""Every zarrview route a user's server answers (jupyter_zarrview/server/app.py), as requests
on one user's ``private.zarr``, with a test of whether an answer carries that user's data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hub_users import PRIVATE

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import numpy as np

__all__ = ["ENDPOINTS", "Endpoint", "Reply", "UserData", "leaks"]


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass(frozen=True)
class UserData:
    """What of one user's store an answer could give away."""

    array: np.ndarray  # private.zarr's values
    root: Path  # the user's server's root dir

    @property
    def tile_bytes(self) -> bytes:
        return bytes(self.array[0:32, 0:32].tobytes())

    def key_bytes(self, key: str) -> bytes:
        return (self.root / PRIVATE / key).read_bytes()


def _json(reply: Reply) -> Any:
    try:
        return json.loads(reply.body)
    except ValueError:
        return None


def _info(reply: Reply, data: UserData) -> bool:
    answer = _json(reply)
    return isinstance(answer, dict) and any(
        level.get("shape") == list(data.array.shape) for level in answer.get("levels", [])
    )


def _tile(reply: Reply, data: UserData) -> bool:
    return data.tile_bytes[:64] in reply.body


def _stats(reply: Reply, data: UserData) -> bool:
    answer = _json(reply)
    channels = answer.get("channels", []) if isinstance(answer, dict) else []
    return any(
        c.get("min") == int(data.array.min()) and c.get("max") == int(data.array.max())
        for c in channels
    )


def _folders(reply: Reply, data: UserData) -> bool:
    answer = _json(reply)
    return isinstance(answer, dict) and PRIVATE in answer.get("zarr", [])


def _share(reply: Reply, data: UserData) -> bool:
    return b"/zarrview/shared/" in reply.body


def _metadata(reply: Reply, data: UserData) -> bool:
    return data.key_bytes("zarr.json") in reply.body


def _chunk(reply: Reply, data: UserData) -> bool:
    return data.key_bytes("c/0/0")[:64] in reply.body


def _chunk_range(reply: Reply, data: UserData) -> bool:
    return reply.status == 206 and reply.body == data.key_bytes("c/0/0")[:16]


def _head(reply: Reply, data: UserData) -> bool:
    # A HEAD has no body: what it gives away is that the key exists, and its length.
    size = str(len(data.key_bytes("zarr.json")))
    return reply.status == 200 and reply.headers.get("content-length") == size


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # after the server's URL
    carries: Callable[[Reply, UserData], bool]
    headers: dict[str, str] = field(default_factory=dict)


ENDPOINTS = [
    Endpoint("info", "GET", f"zarrview/api/v1/info?path={PRIVATE}", _info),
    Endpoint("tile", "GET", f"zarrview/api/v1/tile?path={PRIVATE}&level=0&sel=0:32,0:32", _tile),
    Endpoint("stats", "GET", f"zarrview/api/v1/stats?path={PRIVATE}", _stats),
    Endpoint("zarr-folders", "GET", "zarrview/api/v1/zarr-folders?path=", _folders),
    Endpoint("share-mint", "POST", f"zarrview/api/v1/share?path={PRIVATE}", _share),
    Endpoint("store-metadata", "GET", f"zarrview/store/{PRIVATE}/zarr.json", _metadata),
    Endpoint("store-head", "HEAD", f"zarrview/store/{PRIVATE}/zarr.json", _head),
    Endpoint("store-chunk", "GET", f"zarrview/store/{PRIVATE}/c/0/0", _chunk),
    Endpoint(
        "store-range",
        "GET",
        f"zarrview/store/{PRIVATE}/c/0/0",
        _chunk_range,
        headers={"Range": "bytes=0-15"},
    ),
]


def leaks(reply: Reply, data: UserData) -> list[str]:
    """The endpoints whose data this answer carries: none, for an answer to someone else."""
    return [e.name for e in ENDPOINTS if e.carries(reply, data)]
