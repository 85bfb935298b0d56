"""Paths the operating system refuses: every endpoint answers a 4xx naming ``path``, in words.

Names past 255 bytes or paths past 4096 (``ENAMETOOLONG``), symlink loops (``ELOOP``), files
the server may not open (``EACCES``) and files where folders should be (``ENOTDIR``) each get
the status of what is wrong and a message that says it; none is a 500, none reads a byte.
"""

from __future__ import annotations

import errno
import json
import os
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from server_helpers import error_of

from jupyter_zarrview.engine import BadParameter, Engine, NotFound, PathNotAllowed
from jupyter_zarrview.engine.errors import StoreUnavailable, filesystem_failure
from jupyter_zarrview.protocol import Limits, handle
from jupyter_zarrview.server import handlers

if TYPE_CHECKING:
    from pathlib import Path

    from server_data import Layout
    from tornado.httpclient import HTTPResponse

LONG_NAME = "x" * 300
LONG_PATH = "/".join(["abcdefgh"] * 500)  # 4499 bytes, every name short


async def _ask(raw, endpoint: str, path: str) -> HTTPResponse:
    """``endpoint`` asked about ``path`` the way a client asks it."""
    if endpoint == "store":
        return await raw("zarrview/store/" + quote(path, safe="/"))
    query = "path=" + quote(path, safe="")
    if endpoint == "share":
        return await raw(f"zarrview/api/v1/share?{query}", method="POST", body=b"")
    if endpoint == "tile":
        query += "&sel=0:2,0:2"
    return await raw(f"zarrview/api/v1/{endpoint}?{query}")


ENDPOINTS = ["info", "tile", "stats", "store", "share", "zarr-folders"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    "path", [LONG_NAME, f"plain2d.zarr/{LONG_NAME}", f"{LONG_NAME}/0/0", f"/{LONG_NAME}"]
)
async def test_400_on_a_name_longer_than_the_file_system_takes(raw, endpoint, path):
    response = await _ask(raw, endpoint, path)
    assert response.code == 400
    body = error_of(response)
    assert body["parameter"] == "path"
    assert "has a name of 300 bytes; file and folder names are at most 255 bytes" in body["error"]
    assert body["expected"] == "names of at most 255 bytes"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_400_on_a_path_longer_than_the_file_system_takes(raw, endpoint):
    response = await _ask(raw, endpoint, LONG_PATH)
    assert response.code == 400
    assert error_of(response) == {
        "error": "path is 4499 bytes long; paths are at most 4096 bytes",
        "parameter": "path",
        "expected": "a path of at most 4096 bytes",
    }


async def test_a_long_name_in_a_message_is_cut_short(raw):
    body = error_of(await _ask(raw, "info", LONG_NAME))
    assert body["error"] == (
        f"path {'x' * 200!r} (and 100 characters more) has a name of 300 bytes; file and "
        "folder names are at most 255 bytes"
    )


async def test_400_on_a_name_of_multibyte_characters_past_255_bytes(raw):
    # 100 characters, 400 bytes: the limit is the file system's, in bytes.
    response = await _ask(raw, "info", "\U0001f52c" * 100)
    assert response.code == 400
    assert "has a name of 400 bytes" in error_of(response)["error"]


async def test_names_within_the_limits_are_looked_up_as_usual(raw):
    response = await _ask(raw, "info", "y" * 255)
    assert response.code == 404
    assert error_of(response)["parameter"] == "path"


@pytest.fixture(scope="module")
def loop(layout: Layout) -> str:
    """A symlink loop inside the root: loop_a -> loop_b -> loop_a."""
    a, b = layout.root / "loop_a", layout.root / "loop_b"
    if not a.is_symlink():
        os.symlink("loop_b", a)
        os.symlink("loop_a", b)
    return "loop_a"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("tail", ["", "/zarr.json", "/0/c/0"])
async def test_404_on_a_symlink_loop(raw, loop, endpoint, tail):
    response = await _ask(raw, endpoint, loop + tail)
    assert response.code == 404
    body = error_of(response)
    assert body["parameter"] == "path"
    if endpoint != "store" or tail:
        assert "goes through too many symbolic links" in body["error"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    "path",
    ["ome05.zarr/zarr.json/0", "ome05.zarr/0/c/0/0/0/0/0/x", "notzarr/readme.txt/x"],
)
async def test_404_on_a_file_where_a_folder_is_expected(raw, endpoint, path):
    response = await _ask(raw, endpoint, path)
    assert response.code == 404
    assert error_of(response)["parameter"] == "path"


# --- what a server that runs as root cannot be shown otherwise: the OS says no -------------


@pytest.fixture
def no_permission(monkeypatch: pytest.MonkeyPatch, layout: Layout) -> str:
    """Paths whose names hold 'locked' are refused by ``os.stat`` and ``os.scandir`` as EACCES."""
    locked = layout.root / "permissions" / "locked.zarr"
    locked.mkdir(parents=True, exist_ok=True)
    (locked / "zarr.json").write_text("{}")
    stat, scandir = os.stat, os.scandir

    def refuse(path):
        name = os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else ""
        if "locked" in name:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)

    def fake_stat(path, *args, **kwargs):
        refuse(path)
        return stat(path, *args, **kwargs)

    def fake_scandir(path="."):
        refuse(path)
        return scandir(path)

    monkeypatch.setattr(os, "stat", fake_stat)
    monkeypatch.setattr(os, "scandir", fake_scandir)
    return "permissions/locked.zarr"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_403_on_a_path_the_server_may_not_open(raw, no_permission, endpoint):
    tail = "/zarr.json" if endpoint == "store" else ""
    response = await _ask(raw, endpoint, no_permission + tail)
    assert response.code == 403
    body = error_of(response)
    assert body["parameter"] == "path"
    assert "the server's account has no permission to open it" in body["error"]


async def test_a_folder_that_may_not_be_looked_into_is_left_out_of_a_listing(
    raw, no_permission, layout
):
    (layout.root / "permissions" / "open.zarr").mkdir(exist_ok=True)
    (layout.root / "permissions" / "open.zarr" / ".zgroup").write_text('{"zarr_format": 2}')
    response = await raw("zarrview/api/v1/zarr-folders?path=permissions")
    assert response.code == 200
    names = json.loads(response.body)["zarr"]
    assert "open.zarr" in names
    assert "locked.zarr" not in names


# --- the engine and the protocol on their own ----------------------------------------------


def test_the_engine_opens_no_path_the_os_refuses_without_saying_why(tmp_path: Path):
    engine = Engine(cache_bytes=2**20, max_workers=1)
    try:
        with pytest.raises(BadParameter) as caught:
            engine.open(str(tmp_path / LONG_NAME))
        assert caught.value.parameter == "path"
        assert "too long for the file system" in caught.value.message
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("code", "status", "words"),
    [
        (errno.ENAMETOOLONG, 400, "too long for the file system"),
        (errno.EACCES, 403, "no permission to open it"),
        (errno.EPERM, 403, "does not permit it"),
        (errno.ELOOP, 404, "too many symbolic links"),
        (errno.ENOTDIR, 404, "goes through a file as if it were a folder"),
        (errno.ENOENT, 404, "no such path"),
        (errno.EISDIR, 404, "is a folder where a file was expected"),
        (errno.EIO, 503, "could not be read just now: Input/output error"),
        (errno.ESTALE, 503, "could not be read just now"),
        (errno.EMFILE, 503, "could not be read just now"),
    ],
)
def test_os_errors_from_opening_answer_what_is_wrong(engine, code, status, words):
    # Whatever the engine's open raises deep down reaches the client as an answer in words.
    def failing(_params):
        raise OSError(code, os.strerror(code), "/srv/data/exp.zarr/zarr.json")

    answer = handle("info", {"path": "exp.zarr"}, failing, engine, Limits())
    assert answer.status == status
    assert answer.json["parameter"] == "path"
    assert words in answer.json["error"]
    assert "/srv/data/exp.zarr/zarr.json" in answer.json["error"]
    if status == 503:
        assert answer.headers["Retry-After"] == "5"


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (PermissionError("denied"), PathNotAllowed),
        (FileNotFoundError("gone"), NotFound),
        (NotADirectoryError("a file"), NotFound),
        (OSError("no errno at all"), StoreUnavailable),
    ],
)
def test_os_errors_without_an_errno_are_told_by_their_class(exc, cls):
    failure = filesystem_failure(exc, "path 'x'")
    assert type(failure) is cls
    assert failure.parameter == "path"


async def test_403_on_a_key_whose_file_may_be_stated_but_not_opened(raw, monkeypatch):
    # The usual shape of a permission problem on a shared disk: the folder may be listed, the
    # file (rw-------, another user's) may not be opened.
    def refuse(found, start, stop):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(found.file))

    monkeypatch.setattr(handlers, "read_key", refuse)
    response = await raw("zarrview/store/plain2d.zarr/0.0")
    assert response.code == 403
    body = error_of(response)
    assert body["parameter"] == "path"
    assert body["error"] == (
        "path 'plain2d.zarr/0.0' cannot be read: the server's account has no permission to open it"
    )
