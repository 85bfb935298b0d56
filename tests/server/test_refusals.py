"""Every refusal, with its exact status and message: credentials, paths, URLs, parameters, sizes."""

from __future__ import annotations

import pytest
from server_helpers import MAX_TILE_ELEMENTS, error_of, tile_array

OUTSIDE = "paths may not leave the allowed roots"


def _escape(text: str) -> dict:
    return {"error": f"path {text!r} contains '..'; {OUTSIDE}", "parameter": "path"}


def _outside(text: str) -> dict:
    return {
        "error": f"path {text!r} is outside the folders this server may read",
        "parameter": "path",
    }


def _hidden(text: str, name: str) -> dict:
    return {
        "error": f"path {text!r} names a hidden file or folder ({name!r}); "
        "the server does not serve hidden files",
        "parameter": "path",
    }


# --- credentials ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tail",
    [
        "zarrview/api/v1/info?path=plain2d.zarr",
        "zarrview/api/v1/tile?path=plain2d.zarr&sel=0:4,0:4",
        "zarrview/api/v1/stats?path=plain2d.zarr",
        "zarrview/store/plain2d.zarr/.zarray",
        "zarrview/store/plain2d.zarr/0.0",
    ],
)
@pytest.mark.parametrize("authorization", ["", "token wrong-token"])
async def test_403_without_valid_credentials(raw, tail, authorization):
    response = await raw(tail, headers={"Authorization": authorization})
    assert response.code == 403
    assert error_of(response) == {"error": "Forbidden", "parameter": None}
    assert b"zarr_format" not in response.body


async def test_403_on_head_without_credentials(raw):
    response = await raw(
        "zarrview/store/plain2d.zarr/.zarray", method="HEAD", headers={"Authorization": ""}
    )
    assert response.code == 403
    assert response.body == b""


# --- paths over the API --------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["../outside/secret.zarr", "plain2d.zarr/../../outside/secret.zarr", "folder/.."]
)
async def test_403_on_dotdot_in_path(api, path):
    response = await api("info", path=path)
    assert response.code == 403
    assert error_of(response) == _escape(path)


async def test_403_on_an_absolute_path_outside_the_roots(api, layout):
    path = str(layout.outside / "secret.zarr")
    response = await api("tile", path=path, sel="0:2,0:2")
    assert response.code == 403
    assert error_of(response) == _outside(path)


@pytest.mark.parametrize("path", ["/etc", "/"])
async def test_403_on_system_paths(api, path):
    response = await api("info", path=path)
    assert response.code == 403
    assert error_of(response) == _outside(path)


@pytest.mark.parametrize("path", ["link_out.zarr", "outside_dir/secret.zarr"])
async def test_403_on_symlink_out_of_root(api, path):
    response = await api("info", path=path)
    assert response.code == 403
    assert error_of(response) == _outside(path)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (".hidden.zarr", ".hidden.zarr"),
        ("folder/.private/x.zarr", ".private"),
        ("link_hidden.zarr", ".hidden.zarr"),  # a visible symlink to a hidden folder
    ],
)
async def test_403_on_hidden_path(api, path, name):
    response = await api("info", path=path)
    assert response.code == 403
    assert error_of(response) == _hidden(path, name)


async def test_403_on_nul_byte_in_path(api):
    response = await api("info", path="plain2d.zarr\x00.txt")
    assert response.code == 403
    assert error_of(response) == {"error": "path contains a NUL byte", "parameter": "path"}


async def test_404_on_a_double_encoded_escape_which_is_taken_literally(raw):
    # %252e%252e is decoded once, to the name "%2e%2e": a folder that does not exist.
    response = await raw("zarrview/api/v1/info?path=%252e%252e%252foutside%252fsecret.zarr")
    assert response.code == 404
    assert error_of(response) == {
        "error": "no such path: '%2e%2e%2foutside%2fsecret.zarr'",
        "parameter": "path",
    }


async def test_200_on_absolute_path_inside_root_and_symlink_inside_root(api, layout):
    expected = layout.arrays["plain2d.zarr"][0][:3, :5]
    for path in (str(layout.root / "plain2d.zarr"), "link_in.zarr", "./plain2d.zarr"):
        response = await api("tile", path=path, sel="0:3,0:5")
        assert (tile_array(response) == expected).all()


async def test_200_on_a_store_in_an_extra_root(api, layout):
    response = await api("tile", path=str(layout.extra / "shared.zarr"), sel=":,:")
    assert (tile_array(response) == layout.arrays["shared.zarr"][0]).all()


async def test_400_when_path_is_missing(api):
    response = await api("info")
    assert response.code == 400
    body = error_of(response)
    assert (body["error"], body["parameter"]) == ("path is required", "path")


async def test_404_on_a_path_that_does_not_exist(api):
    response = await api("info", path="nope.zarr")
    assert response.code == 404
    assert error_of(response) == {"error": "no such path: 'nope.zarr'", "parameter": "path"}


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (
            "../plain2d.zarr",
            "array '../plain2d.zarr' contains '..'; it must name a node inside the store",
        ),
        ("A/.hidden", "array 'A/.hidden' names a hidden node ('.hidden')"),
    ],
)
async def test_403_on_array_leaving_the_store_or_hidden(api, array, message):
    response = await api("info", path="plate.zarr", array=array)
    assert response.code == 403
    assert error_of(response) == {"error": message, "parameter": "array"}


# --- paths over the store endpoint ---------------------------------------------------------


@pytest.mark.parametrize(
    ("tail", "text"),
    [
        ("%2e%2e/outside/secret.zarr/.zarray", "../outside/secret.zarr/.zarray"),
        ("%2E%2E%2Foutside%2Fsecret.zarr%2F.zarray", "../outside/secret.zarr/.zarray"),
        ("plain2d.zarr/%2e%2e/%2e%2e/outside/note.txt", "plain2d.zarr/../../outside/note.txt"),
        ("plain2d.zarr/../../outside/note.txt", "plain2d.zarr/../../outside/note.txt"),
    ],
)
async def test_403_on_encoded_escapes_in_store_urls(raw, tail, text):
    response = await raw("zarrview/store/" + tail)
    assert response.code == 403
    assert error_of(response) == _escape(text)


async def test_403_on_store_url_with_nul_byte(raw):
    response = await raw("zarrview/store/plain2d.zarr%00/.zarray")
    assert response.code == 403
    assert error_of(response) == {"error": "path contains a NUL byte", "parameter": "path"}


async def test_403_on_store_url_through_symlink_out_of_root(raw):
    response = await raw("zarrview/store/link_out.zarr/.zarray")
    assert response.code == 403
    assert error_of(response) == _outside("link_out.zarr/.zarray")


async def test_403_on_store_url_absolute_outside(raw, layout):
    text = str(layout.outside / "secret.zarr" / ".zarray")
    response = await raw("zarrview/store/" + text)
    assert response.code == 403
    assert error_of(response) == _outside(text)


@pytest.mark.parametrize(
    ("tail", "name"),
    [
        (".hidden.zarr/.zarray", ".hidden.zarr"),
        ("plain2d.zarr/.git", ".git"),  # only Zarr's own keys may start with a dot
        ("plain2d.zarr/.zarray/x", ".zarray"),  # and only as the last name
        ("link_hidden.zarr/.zarray", ".hidden.zarr"),
    ],
)
async def test_403_on_hidden_store_url(raw, tail, name):
    response = await raw("zarrview/store/" + tail)
    assert response.code == 403
    assert error_of(response) == _hidden(tail, name)


async def test_400_on_store_url_that_is_not_utf8(raw):
    response = await raw("zarrview/store/plain2d.zarr%ff/.zarray")
    assert response.code == 400
    assert error_of(response)["parameter"] == "path"


# --- remote URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "s3://bucket/data.zarr",
        "https://example.org/data.zarr",
        "file:///etc/passwd",
        "memory://x.zarr",
        "zip::http://127.0.0.1:{port}/user/alice/zarrview/store/zipped.zip",
        "http://127.0.0.1:{port}.evil.example/x.zarr",
        "http://127.0.0.1:{port}@evil.example/x.zarr",
        "http://127.0.0.1:{port}/user/alice/zarrview/store/plain2d.zarr/../../../../etc",
        "http://127.0.0.1:{port}/user/alice/zarrview/store/plain2d.zarr/%2e%2e/x",
    ],
)
async def test_403_on_url_not_on_the_allow_list(api, jp_http_port, url):
    url = url.format(port=jp_http_port)
    response = await api("info", path=url)
    assert response.code == 403
    assert error_of(response) == {
        "error": f"path {url!r} is a URL that is not on this server's allow-list",
        "parameter": "path",
    }


async def test_200_on_url_on_the_allow_list(api, jp_http_port, jp_base_url, layout):
    # The allow-list names this server: it reads its own store endpoint, over HTTP, with a token.
    url = f"http://127.0.0.1:{jp_http_port}{jp_base_url}zarrview/store/plain2d.zarr"
    response = await api("tile", path=url, sel="3:9,::5")
    assert (tile_array(response) == layout.arrays["plain2d.zarr"][0][3:9, ::5]).all()


# --- what the path holds -------------------------------------------------------------------


async def test_415_on_a_folder_that_is_not_zarr(api):
    response = await api("info", path="notzarr")
    assert response.code == 415
    assert error_of(response) == {
        "error": "notzarr holds no Zarr array or group",
        "parameter": "path",
        "expected": "a folder with .zarray, .zgroup or zarr.json",
    }


async def test_415_on_a_file_that_is_not_zarr(api):
    response = await api("info", path="notzarr/readme.txt")
    assert response.code == 415
    assert error_of(response) == {
        "error": "notzarr/readme.txt is a file, not a Zarr store",
        "parameter": "path",
        "expected": "a Zarr folder or a .zip store",
    }


async def test_422_on_a_group_that_is_not_an_image_lists_its_arrays(api):
    response = await api("info", path="plate.zarr")
    assert response.code == 422
    assert error_of(response) == {
        "error": "'plate.zarr' is a group, not an image; choose one of its arrays with 'array'",
        "parameter": "array",
        "expected": "the path of an image or array in the group",
        "children": [{"path": "A/1", "kind": "array", "shape": [8, 8], "dtype": "uint16"}],
    }


async def test_200_on_the_array_a_422_offered(api, layout):
    response = await api("tile", path="plate.zarr", array="A/1", sel=":,:")
    assert (tile_array(response) == layout.arrays["plain2d.zarr"][0][:8, :8]).all()


async def test_404_on_an_array_the_group_does_not_have(api):
    response = await api("info", path="plate.zarr", array="B/7")
    assert response.code == 404
    assert error_of(response) == {
        "error": "the group has no array or group 'B/7'",
        "parameter": "array",
        "expected": "the path of an array or image inside the group",
    }


async def test_422_on_a_dtype_the_protocol_cannot_carry(api):
    response = await api("info", path="complex.zarr")
    assert response.code == 422
    assert error_of(response) == {
        "error": "complex.zarr has dtype complex64, which the viewer cannot show",
        "parameter": "array",
        "expected": "a boolean, integer or float dtype of at most 8 bytes",
    }


# --- parameters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "message"),
    [
        ("x", "level must be an integer, got 'x'"),
        ("-1", "level must be an integer, got '-1'"),
        ("1.0", "level must be an integer, got '1.0'"),
        ("", "level must be an integer, got ''"),
        (" 1", "level must be an integer, got ' 1'"),
        ("\u0663", "level must be an integer, got '\u0663'"),  # an Arabic-Indic digit
        ("1_0", "level must be an integer, got '1_0'"),
        ("3", "level 3 is out of range: this image has levels 0..2"),
        ("99999999999999999999", "level must be an integer, got '99999999999999999999'"),
    ],
)
async def test_400_on_bad_level(api, level, message):
    response = await api("tile", path="ome04.zarr", level=level, sel="0,0,0,0:4,0:4")
    assert response.code == 400
    assert error_of(response) == {
        "error": message,
        "parameter": "level",
        "expected": "an integer from 0 to 2",
    }


ENTRY = "an integer, start:stop or start:stop:step per axis"


@pytest.mark.parametrize(
    ("sel", "message", "expected"),
    [
        (
            "0:4",
            "sel has 1 entries but the array has 2 axes",
            "2 comma-separated entries, one per axis",
        ),
        (
            "0,0,0",
            "sel has 3 entries but the array has 2 axes",
            "2 comma-separated entries, one per axis",
        ),
        ("", "sel is empty", "2 comma-separated entries"),
        ("a,b", "sel entry 0 ('a') is not an index or a slice", ENTRY),
        ("0:4;0:4,1", "sel entry 0 ('0:4;0:4') is not an index or a slice", ENTRY),
        ("1e3,0", "sel entry 0 ('1e3') is not an index or a slice", ENTRY),
        ("0,1:2:3:4", "sel entry 1 ('1:2:3:4') is not an index or a slice", ENTRY),
        ("0:4,0:4:0", "sel entry 1 has step 0", "a step of 1 or more"),
        ("0:4,4:0:-1", "sel entry 1 has step -1", "a step of 1 or more"),
        ("99,0", "index 99 is out of range for axis 0 of size 37", "an integer from -37 to 36"),
        ("0,-54", "index -54 is out of range for axis 1 of size 53", "an integer from -53 to 52"),
    ],
)
async def test_400_on_bad_sel(api, sel, message, expected):
    response = await api("tile", path="plain2d.zarr", sel=sel)
    assert response.code == 400
    assert error_of(response) == {"error": message, "parameter": "sel", "expected": expected}


@pytest.mark.parametrize("level", [None, "0", "2"])
async def test_400_on_a_tile_without_sel(api, level):
    # The viewer always sends sel; a tile without one would be a whole level, which no client
    # means to ask for (the protocol gives sel no default).
    params = {} if level is None else {"level": level}
    response = await api("tile", path="ome04.zarr", **params)
    assert response.code == 400
    assert error_of(response) == {
        "error": "sel is required for a tile: one entry per axis of the level",
        "parameter": "sel",
        "expected": "5 comma-separated entries, one per axis, e.g. ':,:,:,:,:' for all of it",
    }


async def test_400_on_sel_longer_than_any_selection(api):
    sel = ",".join(["0"] * 600)
    response = await api("tile", path="plain2d.zarr", sel=sel)
    assert response.code == 400
    assert error_of(response) == {
        "error": f"sel is {len(sel)} characters long",
        "parameter": "sel",
        "expected": "one entry per axis (2), at most 1024 characters",
    }


@pytest.mark.parametrize("bins", ["0", "4097", "x", "-3", "1e2"])
async def test_400_on_bad_bins(api, bins):
    response = await api("stats", path="plain2d.zarr", bins=bins)
    assert response.code == 400
    assert error_of(response) == {
        "error": f"bins must be an integer from 1 to 4096, got {bins!r}",
        "parameter": "bins",
        "expected": "an integer from 1 to 4096",
    }


async def test_400_on_a_parameter_given_twice(raw):
    response = await raw("zarrview/api/v1/tile?path=plain2d.zarr&level=0&level=1")
    assert response.code == 400
    assert error_of(response) == {
        "error": "level is given 2 times",
        "parameter": "level",
        "expected": "one value",
    }


async def test_400_on_a_parameter_that_is_not_utf8(raw):
    response = await raw("zarrview/api/v1/info?path=plain2d%FF.zarr")
    assert response.code == 400
    assert error_of(response) == {
        "error": "path is not valid UTF-8",
        "parameter": "path",
        "expected": "UTF-8 text",
    }


async def test_400_on_an_unknown_operation(api):
    response = await api("delete", path="plain2d.zarr")
    assert response.code == 400
    assert error_of(response) == {
        "error": "unknown operation 'delete'",
        "parameter": "op",
        "expected": "one of info, tile, stats",
    }


async def test_413_on_a_tile_larger_than_the_limit(api):
    response = await api("tile", path="big.zarr", sel=":,:")
    assert response.code == 413
    assert error_of(response) == {
        "error": f"sel selects 16777216 elements; this server answers at most "
        f"{MAX_TILE_ELEMENTS} per tile",
        "parameter": "sel",
        "expected": f"at most {MAX_TILE_ELEMENTS} elements",
        "limit": MAX_TILE_ELEMENTS,
    }


async def test_200_on_a_tile_exactly_at_the_limit(api):
    response = await api("tile", path="big.zarr", sel="0:1000,0:1000")
    assert tile_array(response).shape == (1000, 1000)
