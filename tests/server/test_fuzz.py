"""Random requests at every endpoint: never a 5xx, and every 4xx is JSON naming a parameter."""

from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    "../outside",
    "/",
    "/etc/passwd",
    "s3://bucket/x.zarr",
    "http://127.0.0.1:1/x.zarr",
    "",
]

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
paths = st.one_of(
    st.sampled_from(KNOWN_PATHS),
    st.text(max_size=30),
    st.tuples(st.sampled_from(KNOWN_PATHS), st.text(max_size=12)).map("/".join),
)
params = st.fixed_dictionaries(
    {},
    optional={
        "path": paths,
        "array": st.one_of(
            st.sampled_from(["A/1", "0", "A", "..", ".zattrs"]), st.text(max_size=12)
        ),
        "level": st.one_of(numbers, st.sampled_from(["0", "1", "2", "3"]), st.text(max_size=8)),
        "sel": sels,
        "bins": st.one_of(numbers, st.text(max_size=8)),
    },
)
ops = st.one_of(st.sampled_from(["info", "tile", "stats"]), st.text(max_size=10))

FUZZ = settings(
    max_examples=150,
    deadline=None,
    # One server serves every example: that is the point, and it is fast.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _check(response) -> None:
    assert response.code < 500, response.body
    if response.code >= 400:
        body = json.loads(response.body)
        assert isinstance(body["error"], str)
        assert body["error"]
        assert isinstance(body["parameter"], str), body


@FUZZ
@given(op=ops, query=params)
def test_api_never_answers_5xx(jp_asyncio_loop, raw, op, query):
    tail = "zarrview/api/v1/" + quote(op, safe="")
    tail += "?" + "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query.items())
    response = jp_asyncio_loop.run_until_complete(raw(tail))
    _check(response)


@FUZZ
@given(
    path=st.one_of(
        st.tuples(st.sampled_from(KNOWN_PATHS), st.text(max_size=20)).map("/".join),
        st.text(max_size=40),
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
    response = jp_asyncio_loop.run_until_complete(
        raw("zarrview/store/" + quote(path, safe="/"), headers=headers)
    )
    _check(response)


@FUZZ
@given(
    path=paths,
    expires_in=st.one_of(st.none(), numbers, st.text(max_size=12)),
)
def test_share_never_answers_5xx(jp_asyncio_loop, raw, path, expires_in):
    query = {"path": path} if expires_in is None else {"path": path, "expires_in": expires_in}
    tail = "zarrview/api/v1/share?" + "&".join(
        f"{quote(k)}={quote(v, safe='')}" for k, v in query.items()
    )
    _check(jp_asyncio_loop.run_until_complete(raw(tail, method="POST", body=b"")))


@FUZZ
@given(
    capability=st.one_of(
        st.text(max_size=60),
        st.tuples(numbers, numbers, st.text(max_size=40)).map(".".join),
    ),
    path=st.tuples(st.sampled_from(KNOWN_PATHS), st.text(max_size=20)).map("/".join),
)
def test_shared_keys_never_answer_5xx(jp_asyncio_loop, raw, capability, path):
    tail = f"zarrview/shared/{quote(capability, safe='')}/{quote(path, safe='/')}"
    _check(jp_asyncio_loop.run_until_complete(raw(tail, headers={"Authorization": ""})))
