"""With the server's ``allow_hidden`` on, hidden stores and names are served like the others."""

from __future__ import annotations

import numpy as np
import pytest
from server_helpers import error_of, tile_array


@pytest.fixture
def jp_server_config(jp_server_config):
    jp_server_config.ContentsManager.allow_hidden = True
    return jp_server_config


async def test_hidden_store_is_read_when_hidden_files_are_allowed(api, raw):
    response = await api("tile", path=".hidden.zarr", sel=":,:")
    assert np.array_equal(tile_array(response), np.full((4, 4), 42, dtype=np.uint8))
    nested = await api("tile", path="folder/.private/x.zarr", sel="0,:")
    assert tile_array(nested).tolist() == [42, 42, 42, 42]
    key = await raw("zarrview/store/.hidden.zarr/.zarray")
    assert key.code == 200


async def test_404_on_a_missing_dot_key_when_hidden_files_are_allowed(raw):
    response = await raw("zarrview/store/plain2d.zarr/.git")
    assert response.code == 404
    assert error_of(response) == {
        "error": "no such Zarr key: 'plain2d.zarr/.git'",
        "parameter": "path",
    }


async def test_403_still_on_escapes_when_hidden_files_are_allowed(api):
    response = await api("info", path="link_out.zarr")
    assert response.code == 403
