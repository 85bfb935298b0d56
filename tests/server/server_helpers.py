"""Constants and decoders the server tests share."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
from tornado.httpclient import HTTPClientError

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from tornado.httpclient import HTTPResponse

TOKEN = "zarrview-test-token"
MAX_TILE_ELEMENTS = 1_000_000


def tile_array(response: HTTPResponse) -> np.ndarray:
    """A tile answer decoded as the protocol says: raw little-endian C-order bytes."""
    assert response.code == 200, response.body
    shape_text = response.headers["X-Zarrview-Shape"]
    shape = tuple(int(n) for n in shape_text.split(",")) if shape_text else ()
    dtype = np.dtype(response.headers["X-Zarrview-Dtype"]).newbyteorder("<")
    return np.frombuffer(response.body, dtype=dtype).reshape(shape)


def error_of(response: HTTPResponse) -> dict:
    """The JSON body of an error answer."""
    assert response.headers["Content-Type"].startswith("application/json")
    body = json.loads(response.body)
    assert isinstance(body, dict)
    return body


async def any_status(request: Awaitable[HTTPResponse]) -> HTTPResponse:
    """The response of a request whatever its status: error answers are what many tests check."""
    try:
        return await request
    except HTTPClientError as exc:
        if exc.response is None:
            raise
        return exc.response
