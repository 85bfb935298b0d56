"""HTTP ``Range: bytes=...`` for the plain Zarr key endpoint (RFC 9110, section 14).

One range per request: Zarr clients ask for one (a shard's index with a suffix range, then inner
chunks). A header this module cannot use (another unit, several ranges, malformed numbers) is
ignored and the whole key is sent, which the RFC allows; a range that starts past the end is
unsatisfiable (416).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ByteRange", "Unsatisfiable", "parse_range"]

_SPEC = re.compile(r"bytes=([0-9]{0,18})-([0-9]{0,18})", re.ASCII)


class Unsatisfiable(ValueError):
    """The range lies outside the key: the answer is 416 with ``Content-Range: bytes */size``."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    stop: int  # exclusive

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.stop - 1}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range to send, or None for the whole key; raises :class:`Unsatisfiable`."""
    if not header:
        return None
    match = _SPEC.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first:
        if not last:
            return None
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable(header)
        return ByteRange(max(0, size - length), size)
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise Unsatisfiable(header)
    stop = size if not last else min(int(last) + 1, size)
    return ByteRange(start, stop)
