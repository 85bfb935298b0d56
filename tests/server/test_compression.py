"""Choosing and applying a content coding, on their own."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from numcodecs import Zstd

from jupyter_zarrview.server.compression import choose_encoding, compress_if_smaller


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("identity", None),
        ("gzip", "gzip"),
        ("x-gzip", "gzip"),
        ("GZIP", "gzip"),
        ("gzip, deflate, br, zstd", "zstd"),
        ("zstd;q=0.5, gzip", "gzip"),
        ("zstd;q=0, gzip;q=0.1", "gzip"),
        ("gzip;q=0", None),
        ("gzip;q=0, zstd;q=0, *;q=1", None),
        ("*", "zstd"),
        ("*;q=0", None),
        ("gzip;q=x", None),
        ("br", None),
    ],
)
def test_choose_encoding(header, expected):
    assert choose_encoding(header) == expected


def test_compress_only_when_it_pays():
    ramp = np.arange(4096, dtype="<u2").tobytes()
    noise = np.random.default_rng(0).integers(0, 2**16, 4096, dtype="<u2").tobytes()
    packed_gzip = compress_if_smaller(ramp, "gzip")
    packed_zstd = compress_if_smaller(ramp, "zstd")
    assert packed_gzip is not None
    assert packed_zstd is not None
    assert gzip.decompress(packed_gzip) == ramp
    assert bytes(Zstd().decode(packed_zstd)) == ramp
    assert compress_if_smaller(noise, "gzip") is None
    assert compress_if_smaller(noise, "zstd") is None
    assert compress_if_smaller(b"\0" * 1024, "zstd") is None  # too small to bother
