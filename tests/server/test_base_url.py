"""The endpoints live under the server's base URL, whatever it is, and nowhere else."""

from __future__ import annotations

import pytest
from tornado.httpclient import HTTPClientError


@pytest.mark.parametrize("jp_base_url", ["/", "/user/alice/", "/a%40b/"])
async def test_api_and_store_answer_under_the_base_url(raw, layout, jp_base_url):
    info = await raw("zarrview/api/v1/info?path=plain2d.zarr")
    assert info.code == 200
    key = await raw("zarrview/store/plain2d.zarr/.zarray")
    assert key.body == (layout.root / "plain2d.zarr" / ".zarray").read_bytes()


@pytest.mark.parametrize("jp_base_url", ["/user/alice/", "/a%40b/"])
async def test_404_outside_the_base_url(http_server_client, jp_auth_header, jp_base_url):
    with pytest.raises(HTTPClientError) as caught:
        await http_server_client.fetch(
            "/zarrview/api/v1/info?path=plain2d.zarr", headers=jp_auth_header
        )
    assert caught.value.code == 404
