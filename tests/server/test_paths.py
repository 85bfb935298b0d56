"""Allow-list matching, path splitting and remote read options, on their own."""

from __future__ import annotations

import pytest

from jupyter_zarrview.engine import Engine, PathNotAllowed
from jupyter_zarrview.server.datasets import DatasetCache
from jupyter_zarrview.server.paths import Roots, is_url, split_path, url_allowed

ALLOW = ["s3://bucket/data", "https://*.example.org/ngff/**", "gs://b/?/x.zarr"]


@pytest.mark.parametrize(
    "url",
    [
        "s3://bucket/data",
        "s3://bucket/data/x.zarr",
        "https://a.example.org/ngff/x.zarr",
        "https://a.example.org/ngff/deep/er/x.zarr",
        "gs://b/1/x.zarr",
    ],
)
def test_url_on_the_allow_list(url):
    assert url_allowed(url, ALLOW)


@pytest.mark.parametrize(
    "url",
    [
        "s3://bucket/database",  # a prefix ends on a boundary
        "s3://bucket-other/data",
        "s3://bucket/data/../../other",
        "s3://bucket/data/%2e%2e/other",
        "s3://bucket/data/%252e%252e/other",
        "s3://bucket/data/a%2f..%2fb",
        "s3://bucket/data\\..\\other",
        "s3://bucket/data/\x00",
        "https://evil.net/a.example.org/ngff/x.zarr",  # * stays in one segment
        "https://a.example.org/other/ngff/x.zarr",
        "gs://b/12/x.zarr",
        "file:///etc/passwd",
        "zip::s3://bucket/data/x.zip",
    ],
)
def test_url_not_on_the_allow_list(url):
    assert not url_allowed(url, ALLOW)


def test_empty_allow_list_allows_nothing():
    assert not url_allowed("s3://bucket/data", [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [("s3://b/x", True), ("zip::s3://b/x", True), ("C:/x", False), ("a/b.zarr", False)],
)
def test_is_url(text, expected):
    assert is_url(text) is expected


def test_split_path_drops_empty_and_dot_components():
    assert split_path("./a//b/./c.zarr/", "path") == (False, ["a", "b", "c.zarr"])
    assert split_path("/abs/x", "path") == (True, ["abs", "x"])


@pytest.mark.parametrize("text", ["..", "a/../b", "a/..", "/../etc"])
def test_split_path_refuses_dotdot(text):
    with pytest.raises(PathNotAllowed) as caught:
        split_path(text, "path")
    assert caught.value.parameter == "path"


def test_http_reads_do_not_follow_redirects_off_the_allow_list(tmp_path):
    cache = DatasetCache(
        Engine(cache_bytes=0, max_workers=1),
        Roots.create(tmp_path),
        storage_options={"https": {"headers": {"X": "1"}}, "s3": {"anon": True}},
    )
    assert cache._options_for("https://h/x.zarr") == {
        "headers": {"X": "1"},
        "allow_redirects": False,
    }
    assert cache._options_for("http://h/x.zarr") == {"allow_redirects": False}
    assert cache._options_for("s3://b/x.zarr") == {"anon": True}
    assert cache._options_for(str(tmp_path)) is None
