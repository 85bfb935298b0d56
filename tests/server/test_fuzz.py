"""Random requests at every endpoint: never a 5xx, and every 4xx is JSON naming the bad parameter.

Paths are drawn the way they go wrong in use: names longer than a file system takes (one
component of 200-320 characters, whole paths over 4096 bytes), hundreds of components, unicode
(non-BMP, combining marks, right-to-left), control characters, repeated slashes, ``.``/``..``
mixes, and a file where a folder is expected (``ome05.zarr/zarr.json/0``). The requests and the
statuses they got are tallied and printed at the end of the run.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from fuzz_tally import TALLY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_zarrview.server.context import SETTINGS_KEY

if TYPE_CHECKING:
    from tornado.httpclient import HTTPResponse

# Paths of thousands of characters are the point; hypothesis warns that their reprs are long.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
)

KNOWN_PATHS = [
    "plain2d.zarr",
    "vol3d.zarr",
    "ome04.zarr",
    "ome05.zarr",
    "sharded.zarr",
    "bigendian.zarr",
    "zipped.zip",
    "big.zarr",
    "plate.zarr",
    "complex.zarr",
    "notzarr",
    "notzarr/readme.txt",
    ".hidden.zarr",
    "link_out.zarr",
    "link_in.zarr",
    "outside_dir",
    "../outside",
    "/",
    "/etc/passwd",
    "/proc/self/environ",
    "s3://bucket/x.zarr",
    "http://127.0.0.1:1/x.zarr",
    "",
]
# A file where a folder is expected: the operating system answers ENOTDIR.
FILE_AS_FOLDER = [
    "ome05.zarr/zarr.json/0",
    "ome05.zarr/0/c/0/0/0/0/0/x",
    "plain2d.zarr/.zarray/0",
    "plain2d.zarr/0.0/x",
    "notzarr/readme.txt/x",
    "zipped.zip/zarr.json",
    "zipped.zip/x/y",
]
ODD_NAMES = [
    ".",
    "..",
    "...",
    "./..",
    "../.",
    ".zarray",
    "e\u0301\u0301\u0301",  # combining marks
    "\u202eformat.zarr",  # right-to-left override
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew
    "\U0001f52c\U0001f9ea",  # non-BMP
    "\U00010000",
    "a\nb",
    "\r",
    "\t",
    "\x7f",
    "\x00",
    "\x1b[31m",
    "%00",
    "%2e%2e",
    "\\..\\",
    "~",
    "*",
]

long_name = st.builds(
    lambda char, n: char * n,
    st.sampled_from(["x", "\u00e9", "\U0001f52c", "."]),
    st.integers(min_value=200, max_value=320),
)
component = st.one_of(
    st.sampled_from(KNOWN_PATHS + FILE_AS_FOLDER + ODD_NAMES),
    long_name,
    st.text(max_size=12),
    st.text(alphabet=st.characters(codec="utf-8", min_codepoint=0x80), max_size=6),
    st.sampled_from(["", "/", "//", "///"]),  # joined with "/", these repeat slashes
)
# Hundreds of components, and paths whose bytes pass Linux's PATH_MAX (4096) but whose URLs
# stay within what tornado reads of a request line (64 KiB; past it, it drops the connection).
deep = st.builds(
    lambda name, n, lead: lead + "/".join([name] * n),
    st.sampled_from(["a", "plain2d.zarr", "..", ".", "", "\u00e9\u00e9"]),
    st.integers(min_value=100, max_value=700),
    st.sampled_from(["", "/", "plain2d.zarr/"]),
)
over_path_max = st.builds(
    lambda name, n: "/".join([name] * n),
    st.sampled_from(["abcdefgh", "x" * 250, "\U0001f52c" * 60]),
    st.integers(min_value=16, max_value=1300),
).filter(lambda p: 4096 < len(p.encode()) <= 12_000)
paths = st.one_of(
    st.sampled_from(KNOWN_PATHS + FILE_AS_FOLDER),
    st.lists(component, min_size=1, max_size=6).map("/".join),
    deep,
    over_path_max,
)

numbers = st.integers(min_value=-(10**30), max_value=10**30).map(str)
sel_entry = st.one_of(
    numbers,
    st.tuples(st.one_of(st.just(""), numbers), st.one_of(st.just(""), numbers)).map(":".join),
    st.tuples(numbers, numbers, numbers).map(":".join),
    st.sampled_from([":", "::", ":::", "-0", "1e9", "nan", " 1", "٣", "0x10"]),
)
sels = st.one_of(
    st.lists(sel_entry, min_size=0, max_size=7).map(",".join),
    st.text(max_size=40),
    st.text(alphabet=":,-0123456789 ", max_size=40),
)
params = st.fixed_dictionaries(
    {},
    optional={
        "path": paths,
        "array": st.one_of(
            st.sampled_from(["A/1", "0", "A", "..", ".zattrs", "0/zarr.json/x"]),
            st.text(max_size=12),
            long_name,
        ),
        "level": st.one_of(numbers, st.sampled_from(["0", "1", "2", "3"]), st.text(max_size=8)),
        "sel": sels,
        "bins": st.one_of(numbers, st.text(max_size=8)),
    },
)
ops = st.one_of(st.sampled_from(["info", "tile", "stats"]), st.text(max_size=10))


def _fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        # Generous: a cold open on a shared two-core machine can take a second or more.
        deadline=timedelta(seconds=10),
        # One server serves every example: that is the point, and it is fast.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )


def _query(values: dict[str, str]) -> str:
    return "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in values.items())


def _check(endpoint: str, response: HTTPResponse, parameters: set[str]) -> None:
    """No 5xx; a 4xx is JSON whose ``parameter`` is one of ``parameters``."""
    TALLY[endpoint][response.code] += 1
    assert response.code < 500, response.body[:2000]
    if response.code < 400:
        return
    body = json.loads(response.body)
    assert isinstance(body["error"], str)
    assert body["error"]
    assert body["parameter"] in parameters, body


def _get(loop, raw, tail: str, **kwargs) -> HTTPResponse:
    return loop.run_until_complete(raw(tail, **kwargs))


@_fuzz(200)
@given(op=ops, query=params)
def test_api_never_answers_5xx(jp_asyncio_loop, raw, op, query):
    tail = "zarrview/api/v1/" + quote(op, safe="") + "?" + _query(query)
    response = _get(jp_asyncio_loop, raw, tail)
    # A request may be wrong in several ways; the one named must be one it sent, or the
    # operation, or one it lacks (every operation requires path, a tile sel), or the array a
    # group's 422 asks for.
    parameters = {*query, "op", "path", *(["sel"] if op == "tile" else [])}
    parameters |= {"array"} if response.code == 422 else set()
    _check("api, random parameters", response, parameters)


@_fuzz(200)
@given(op=st.sampled_from(["info", "stats"]), path=paths)
def test_api_names_path_whatever_the_path(jp_asyncio_loop, raw, op, path):
    response = _get(jp_asyncio_loop, raw, f"zarrview/api/v1/{op}?" + _query({"path": path}))
    # Only a group that is no image (422) or an unsupported dtype is about `array`.
    parameters = {"path", "array"} if response.code == 422 else {"path"}
    _check("api, random paths", response, parameters)


@_fuzz(120)
@given(path=paths, sel=st.sampled_from(["0:2,0:2", "0,0:2,0:2", "0,0,0,0:2,0:2"]))
def test_tile_names_path_or_sel_whatever_the_path(jp_asyncio_loop, raw, path, sel):
    response = _get(
        jp_asyncio_loop, raw, "zarrview/api/v1/tile?" + _query({"path": path, "sel": sel})
    )
    _check("tile, random paths", response, {"path", "array", "sel"})


@_fuzz(200)
@given(
    path=st.one_of(
        paths,
        st.tuples(st.sampled_from(KNOWN_PATHS), paths).map("/".join),
    ),
    range_header=st.one_of(
        st.none(),
        st.tuples(st.one_of(st.just(""), numbers), st.one_of(st.just(""), numbers)).map(
            lambda r: f"bytes={r[0]}-{r[1]}"
        ),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
    ),
)
def test_store_never_answers_5xx(jp_asyncio_loop, raw, path, range_header):
    headers = {} if range_header is None else {"Range": range_header}
    response = _get(
        jp_asyncio_loop, raw, "zarrview/store/" + quote(path, safe="/"), headers=headers
    )
    _check("store keys", response, {"path", "Range"})


@_fuzz(120)
@given(
    path=paths,
    expires_in=st.one_of(st.none(), numbers, st.text(max_size=12)),
)
def test_share_never_answers_5xx(jp_asyncio_loop, raw, path, expires_in):
    query = {"path": path} if expires_in is None else {"path": path, "expires_in": expires_in}
    tail = "zarrview/api/v1/share?" + _query(query)
    response = _get(jp_asyncio_loop, raw, tail, method="POST", body=b"")
    _check("share links", response, set(query))


@_fuzz(100)
@given(
    capability=st.one_of(
        st.text(max_size=60),
        st.tuples(numbers, numbers, st.text(max_size=40)).map(".".join),
    ),
    path=st.one_of(st.tuples(st.sampled_from(KNOWN_PATHS), paths).map("/".join), paths),
)
def test_shared_keys_never_answer_5xx(jp_asyncio_loop, raw, capability, path):
    tail = f"zarrview/shared/{quote(capability, safe='')}/{quote(path, safe='/')}"
    response = _get(jp_asyncio_loop, raw, tail, headers={"Authorization": ""})
    _check("shared keys", response, {"link", "path", "Range"})


@_fuzz(120)
@given(
    store=st.sampled_from(["plain2d.zarr", "ome05.zarr", "zipped.zip", "link_in.zarr", "notzarr"]),
    key=paths,
)
def test_keys_of_a_valid_share_link_never_answer_5xx(
    jp_asyncio_loop, jp_serverapp, raw, store, key
):
    links = jp_serverapp.web_app.settings[SETTINGS_KEY].share_links
    capability, shared, _ = links.mint(store, None, time.time())
    tail = f"zarrview/shared/{capability}/{quote(shared + '/' + key, safe='/')}"
    response = _get(jp_asyncio_loop, raw, tail, headers={"Authorization": ""})
    _check("keys of a valid share link", response, {"link", "path", "Range"})


@_fuzz(150)
@given(path=paths)
def test_zarr_folders_never_answer_5xx(jp_asyncio_loop, raw, path):
    response = _get(jp_asyncio_loop, raw, "zarrview/api/v1/zarr-folders?" + _query({"path": path}))
    _check("zarr folders", response, {"path"})


@pytest.mark.parametrize(
    ("endpoint", "method"),
    [
        ("api/v1/info?path=", "GET"),
        ("api/v1/zarr-folders?path=", "GET"),
        ("api/v1/share?path=", "POST"),
    ],
)
def test_a_path_that_is_not_utf8_is_a_400_naming_path(jp_asyncio_loop, raw, endpoint, method):
    body = b"" if method == "POST" else None
    response = _get(
        jp_asyncio_loop, raw, f"zarrview/{endpoint}plain2d%FF.zarr", method=method, body=body
    )
    assert response.code == 400
    assert json.loads(response.body)["parameter"] == "path"
