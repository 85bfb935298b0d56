"""``protocol.handle`` and ``protocol.error_answer`` on their own, without a transport."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from jupyter_zarrview.engine import (
    BadParameter,
    ChunkNotReady,
    NotAnImage,
    NotFound,
    NotZarr,
    PathNotAllowed,
    SelectionTooLarge,
    UnsupportedDtype,
    ZarrViewError,
)
from jupyter_zarrview.protocol import Answer, Limits, error_answer, handle


@pytest.fixture
def plain(engine, layout):
    path = layout.root / "plain2d.zarr"
    return lambda _params: engine.open(str(path))


@pytest.mark.parametrize(
    ("exc", "status", "json"),
    [
        (
            BadParameter("bad", parameter="level", expected="x"),
            400,
            {"error": "bad", "parameter": "level", "expected": "x"},
        ),
        (PathNotAllowed("no", parameter="path"), 403, {"error": "no", "parameter": "path"}),
        (NotFound("gone", parameter="array"), 404, {"error": "gone", "parameter": "array"}),
        (
            SelectionTooLarge("big", limit=10),
            413,
            {"error": "big", "parameter": "sel", "expected": "at most 10 elements", "limit": 10},
        ),
        (NotZarr("nz", parameter="path"), 415, {"error": "nz", "parameter": "path"}),
        (
            NotAnImage("grp", children=[]),
            422,
            {
                "error": "grp",
                "parameter": "array",
                "expected": "the path of an image or array in the group",
                "children": [],
            },
        ),
        (UnsupportedDtype("c8"), 422, {"error": "c8", "parameter": "array"}),
        (ZarrViewError("other"), 400, {"error": "other", "parameter": "path"}),
    ],
)
def test_error_answer_maps_each_error_class_to_its_status(exc, status, json):
    assert error_answer(exc) == Answer(status, {}, json)


def test_503_with_retry_after_rounded_up_for_a_chunk_not_ready():
    answer = error_answer(ChunkNotReady("chunk c/0/1 is being written", retry_after=1.5))
    assert answer == Answer(
        503,
        {"Retry-After": "2"},
        {"error": "chunk c/0/1 is being written", "parameter": "sel", "retry_after": 1.5},
    )


def test_500_without_traceback_on_an_unexpected_error(plain, engine, caplog):
    def broken(_params):
        raise RuntimeError("secret detail /srv/internal")

    with caplog.at_level(logging.ERROR, logger="jupyter_zarrview.protocol"):
        answer = handle("info", {}, broken, engine, Limits())
    assert answer == Answer(
        500, {}, {"error": "internal error (RuntimeError); see the server log", "parameter": None}
    )
    assert "secret detail /srv/internal" in caplog.text  # the log gets it; the client does not


@pytest.mark.parametrize(
    ("exc", "status"), [(PermissionError("denied"), 403), (FileNotFoundError("gone"), 404)]
)
def test_os_errors_of_the_filesystem_map_to_their_status(exc, status, engine):
    def failing(_params):
        raise exc

    assert handle("info", {}, failing, engine, Limits()).status == status


def test_tile_through_handle_is_the_numpy_selection(plain, engine, layout):
    answer = handle("tile", {"sel": "2:9,::4"}, plain, engine, Limits())
    assert answer.status == 200
    assert answer.json is None
    assert answer.headers["X-Zarrview-Shape"] == "7,14"
    assert "ETag" not in answer.headers  # validators are HTTP's business
    assert answer.body is not None
    tile = np.frombuffer(answer.body, "<u2").reshape(7, 14)
    assert np.array_equal(tile, layout.arrays["plain2d.zarr"][0][2:9, ::4])


def test_304_through_handle_reads_nothing(plain, engine, monkeypatch):
    first = handle("tile", {"sel": "0:4,0:4"}, plain, engine, Limits(), etag=True)
    monkeypatch.setattr(engine, "read", lambda *a: pytest.fail("a 304 must not read"))
    again = handle(
        "tile",
        {"sel": "0:4,0:4"},
        plain,
        engine,
        Limits(),
        etag=True,
        if_none_match=f'"x", {first.headers["ETag"]}',
    )
    assert again == Answer(304, {"ETag": first.headers["ETag"]})


def test_tile_without_sel_through_handle_is_a_400_naming_sel(plain, engine, monkeypatch):
    # The kernel transport calls handle too: it refuses the same, before reading anything.
    monkeypatch.setattr(engine, "read", lambda *a: pytest.fail("a refusal must not read"))
    answer = handle("tile", {"level": "0"}, plain, engine, Limits())
    assert (answer.status, answer.json["parameter"]) == (400, "sel")
    assert answer.body is None


def test_stats_without_sel_are_of_the_whole_level(plain, engine, layout):
    answer = handle("stats", {"level": "0"}, plain, engine, Limits())
    assert answer.status == 200
    assert answer.json["channels"][0]["count"] == layout.arrays["plain2d.zarr"][0].size


def test_413_uses_the_limit_it_is_given(plain, engine):
    answer = handle("tile", {"sel": "0:10,0:10"}, plain, engine, Limits(max_tile_elements=99))
    assert (answer.status, answer.json["limit"]) == (413, 99)
    assert (
        handle("tile", {"sel": "0:9,0:11"}, plain, engine, Limits(max_tile_elements=99)).status
        == 200
    )


def test_stats_bins_use_the_limit_they_are_given(plain, engine):
    answer = handle("stats", {"bins": "33"}, plain, engine, Limits(max_bins=32))
    assert answer.json == {
        "error": "bins must be an integer from 1 to 32, got '33'",
        "parameter": "bins",
        "expected": "an integer from 1 to 32",
    }
