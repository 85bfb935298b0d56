"""Share links: a store read without credentials, by whoever holds an unexpired, unaltered link."""

from __future__ import annotations

import asyncio
import json
import os
import time
from urllib.parse import quote

import numpy as np
import pytest
import zarr
from server_helpers import TOKEN, any_status, error_of

import jupyter_zarrview
from jupyter_zarrview.server.context import SETTINGS_KEY


@pytest.fixture
def mint(jp_fetch):
    """``await mint(path, **params)``: the answer to a share request, whatever its status."""

    async def call(path: str, headers: dict[str, str] | None = None, **params: str):
        return await any_status(
            jp_fetch(
                "zarrview",
                "api",
                "v1",
                "share",
                method="POST",
                body=b"",
                params={"path": path, **params},
                headers=headers or {},
            )
        )

    return call


@pytest.fixture
def anonymous(http_server_client):
    """``await anonymous(url)``: a request with no token and no cookie, as neuroglancer sends."""

    async def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None):
        return await any_status(
            http_server_client.fetch(
                url, method=method, headers=headers or {}, follow_redirects=False
            )
        )

    return fetch


async def link_for(mint, path: str, **params: str) -> str:
    response = await mint(path, **params)
    assert response.code == 200, response.body
    return str(json.loads(response.body)["url"])


async def test_a_share_link_reads_keys_with_no_credentials(mint, anonymous, layout, jp_base_url):
    url = await link_for(mint, "plain2d.zarr")
    assert url.startswith(f"{jp_base_url}zarrview/shared/")
    assert url.endswith("/plain2d.zarr")
    answer = await anonymous(url + "/.zarray")
    assert answer.code == 200
    assert answer.body == (layout.root / "plain2d.zarr" / ".zarray").read_bytes()
    part = await anonymous(url + "/.zarray", headers={"Range": "bytes=0-9"})
    assert part.code == 206
    assert part.body == answer.body[:10]
    head = await anonymous(url + "/.zarray", method="HEAD")
    assert head.code == 200
    assert int(head.headers["Content-Length"]) == len(answer.body)
    # Without the link, the same key needs credentials.
    plain = await anonymous(f"{jp_base_url}zarrview/store/plain2d.zarr/.zarray")
    assert plain.code == 403


async def test_zarr_python_reads_through_a_share_link_from_zarr_url(
    layout, http_server, jp_http_port, jp_base_url
):
    server = {
        "url": f"http://127.0.0.1:{jp_http_port}{jp_base_url}",
        "root_dir": str(layout.root),
        "token": TOKEN,
    }

    def read() -> tuple[jupyter_zarrview.StoreLink, np.ndarray]:
        link = jupyter_zarrview.zarr_url(
            layout.root / "ome05.zarr", server=server, share=True, expires_in=600
        )
        group = zarr.open_group(link.url, mode="r", storage_options=link.storage_options)
        level = group["1"]
        assert isinstance(level, zarr.Array)
        return link, np.asarray(level[0, 1])

    link, data = await asyncio.to_thread(read)
    assert link.storage_options == {}
    assert "/zarrview/shared/" in link.url
    assert np.array_equal(data, layout.arrays["ome05.zarr"][1][0, 1])


async def test_zarr_url_reports_the_servers_refusal(layout, http_server, jp_http_port, jp_base_url):
    server = {
        "url": f"http://127.0.0.1:{jp_http_port}{jp_base_url}",
        "root_dir": str(layout.root),
        "token": TOKEN,
    }

    def ask() -> None:
        jupyter_zarrview.zarr_url(layout.root / "notzarr", server=server, share=True)

    with pytest.raises(ValueError, match=r"refused a share link for 'notzarr'.*not a Zarr store"):
        await asyncio.to_thread(ask)


async def test_a_link_to_an_absolute_path_in_an_extra_root(mint, anonymous, layout):
    store = layout.extra / "shared.zarr"
    url = await link_for(mint, str(store))
    assert f"/{quote(str(store))}" in url
    answer = await anonymous(url + "/zarr.json")
    assert answer.code == 200
    assert answer.body == (store / "zarr.json").read_bytes()


async def test_any_origin_may_read_a_link_and_learn_its_ranges(mint, anonymous):
    url = await link_for(mint, "sharded.zarr")
    origin = {"Origin": "https://viewer.example.org"}
    answer = await anonymous(url + "/zarr.json", headers=origin)
    assert answer.code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Range" in answer.headers["Access-Control-Expose-Headers"]
    # A missing chunk is a 404 the client may read too (not a CORS failure).
    missing = await anonymous(url + "/c/9/9", headers=origin)
    assert missing.code == 404
    assert missing.headers["Access-Control-Allow-Origin"] == "*"
    preflight = await anonymous(
        url + "/c/0/0",
        method="OPTIONS",
        headers={**origin, "Access-Control-Request-Headers": "range"},
    )
    assert preflight.code == 204
    assert "Range" in preflight.headers["Access-Control-Allow-Headers"]


async def test_403_on_an_altered_link(mint, anonymous):
    url = await link_for(mint, "plain2d.zarr")
    head = url.rpartition("/plain2d.zarr")[0]
    forged = head[:-1] + ("A" if head[-1] != "A" else "B") + "/plain2d.zarr"
    answer = await anonymous(forged + "/.zarray")
    assert answer.code == 403
    assert error_of(answer)["parameter"] == "link"
    longer = head.replace(".1.", ".2.", 1)  # claims a deeper scope with the same signature
    assert (await anonymous(longer + "/plain2d.zarr/.zarray")).code == 403
    assert (await anonymous(head + "/not-a-capability/plain2d.zarr/.zarray")).code == 403


async def test_403_on_another_store_under_the_same_link(mint, anonymous):
    url = await link_for(mint, "plain2d.zarr")
    other = url.replace("/plain2d.zarr", "/vol3d.zarr")
    answer = await anonymous(other + "/zarr.json")
    assert answer.code == 403
    assert "not valid" in error_of(answer)["error"]
    escape = await anonymous(url + "/../vol3d.zarr/zarr.json")
    assert escape.code == 403
    assert (await anonymous(url.replace("/plain2d.zarr", "/%2e%2e/vol3d.zarr"))).code == 403


async def test_403_on_a_symlink_out_of_the_shared_store(mint, anonymous, layout):
    folder = layout.root / "shares" / "exp.zarr"
    if not folder.exists():
        zarr.create_array(str(folder), shape=(4, 4), chunks=(4, 4), dtype="uint8")
        os.symlink(layout.root / "vol3d.zarr", folder / "borrowed")
    url = await link_for(mint, "shares/exp.zarr")
    assert (await anonymous(url + "/zarr.json")).code == 200
    answer = await anonymous(url + "/borrowed/zarr.json")
    assert answer.code == 403
    assert "outside the shared store" in error_of(answer)["error"]


async def test_403_on_an_expired_link(mint, anonymous, jp_serverapp, jp_base_url):
    links = jp_serverapp.web_app.settings[SETTINGS_KEY].share_links
    capability, path, _ = links.mint("plain2d.zarr", 60, now=time.time() - 3600)
    answer = await anonymous(f"{jp_base_url}zarrview/shared/{capability}/{path}/.zarray")
    assert answer.code == 403
    assert "expired" in error_of(answer)["error"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("notzarr", 415),
        ("no/such.zarr", 404),
        ("outside_dir/secret.zarr", 403),
        (".hidden.zarr", 403),
    ],
)
async def test_no_link_for_what_is_not_a_readable_store(mint, path, status):
    answer = await mint(path)
    assert answer.code == status
    assert error_of(answer)["parameter"] == "path"


@pytest.mark.parametrize("expires_in", ["0", "-5", "nan", "soon", str(8 * 24 * 3600)])
async def test_400_on_a_lifetime_out_of_bounds(mint, expires_in):
    answer = await mint("plain2d.zarr", expires_in=expires_in)
    assert answer.code == 400
    assert error_of(answer)["parameter"] == "expires_in"


async def test_a_link_expires_when_asked(mint):
    before = time.time()
    answer = json.loads((await mint("plain2d.zarr", expires_in="90")).body)
    assert before + 89 <= answer["expires"] <= time.time() + 90


async def test_403_on_minting_without_credentials(http_server_client, jp_base_url):
    answer = await any_status(
        http_server_client.fetch(
            f"{jp_base_url}zarrview/api/v1/share?path=plain2d.zarr", method="POST", body=b""
        )
    )
    assert answer.code == 403


class TestSwitchedOff:
    @pytest.fixture
    def jp_server_config(self, jp_server_config):
        jp_server_config.ZarrViewExtension.share_link_max_age = 0.0
        return jp_server_config

    async def test_403_on_minting_and_on_old_links(self, mint, anonymous, jp_base_url):
        answer = await mint("plain2d.zarr")
        assert answer.code == 403
        assert "switched off" in error_of(answer)["error"]
        old = f"{jp_base_url}zarrview/shared/9999999999.1.{'A' * 32}/plain2d.zarr/.zarray"
        assert (await anonymous(old)).code == 403


class TestServerRefusingAnonymousAccess:
    @pytest.fixture
    def jp_server_config(self, jp_server_config):
        jp_server_config.ServerApp.allow_unauthenticated_access = False
        return jp_server_config

    async def test_links_still_read_where_everything_else_needs_a_login(
        self, mint, anonymous, jp_base_url
    ):
        url = await link_for(mint, "plain2d.zarr")
        assert (await anonymous(url + "/.zarray")).code == 200
        plain = await anonymous(f"{jp_base_url}zarrview/store/plain2d.zarr/.zarray")
        assert plain.code in (302, 403)
