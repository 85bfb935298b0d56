"""gzip for tile bodies, when the client takes it and it pays."""

from __future__ import annotations

import zlib

__all__ = ["accepts_gzip", "gzip_if_smaller"]

# Below this a body fits a few TCP segments anyway; compressing it costs more than it saves.
MIN_BYTES = 1024
# Keep the compressed body only if it saves at least a tenth: noisy 16-bit data often does not.
MAX_RATIO = 0.9
# Level 1: most of the gain of higher levels on image data, at several times the speed.
LEVEL = 1


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (``q=0`` refuses it)."""
    if not accept_encoding:
        return False
    star: bool | None = None
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        name = name.strip().lower()
        if name in ("gzip", "x-gzip"):
            return q > 0
        if name == "*":
            star = q > 0
    return bool(star)


def gzip_if_smaller(body: bytes) -> bytes | None:
    """The gzip member of ``body`` when that is worth sending instead, else None."""
    if len(body) <= MIN_BYTES:
        return None
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    packed = packer.compress(body) + packer.flush()
    return packed if len(packed) < MAX_RATIO * len(body) else None
