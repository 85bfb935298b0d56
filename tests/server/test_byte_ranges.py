"""``Range`` header parsing, on its own."""

from __future__ import annotations

import pytest

from jupyter_zarrview.server.byte_ranges import ByteRange, Unsatisfiable, parse_range


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 10, None),
        ("", 10, None),
        ("bytes=0-0", 10, ByteRange(0, 1)),
        ("bytes=2-5", 10, ByteRange(2, 6)),
        ("bytes=2-", 10, ByteRange(2, 10)),
        ("bytes=8-400", 10, ByteRange(8, 10)),
        ("bytes=-3", 10, ByteRange(7, 10)),
        ("bytes=-30", 10, ByteRange(0, 10)),
        (" bytes=1-2 ", 10, ByteRange(1, 3)),
        ("bytes=5-2", 10, None),  # invalid: ignored, the whole key goes
        ("bytes=-", 10, None),
        ("bytes=1-2,4-5", 10, None),
        ("items=1-2", 10, None),
        ("bytes=\u0661-2", 10, None),
        ("bytes=1234567890123456789-", 10, None),  # longer than any file: not a number we take
    ],
)
def test_parse_range(header, size, expected):
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size"), [("bytes=10-", 10), ("bytes=10-20", 10), ("bytes=-0", 10), ("bytes=-5", 0)]
)
def test_unsatisfiable_range(header, size):
    with pytest.raises(Unsatisfiable):
        parse_range(header, size)


def test_content_range_names_the_last_byte():
    assert ByteRange(7, 10).content_range(10) == "bytes 7-9/10"
