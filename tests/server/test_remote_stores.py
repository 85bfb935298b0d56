"""The server reads allow-listed s3:// URLs with the storage options it was configured with.

The bucket is moto's S3 on loopback, which checks credentials: the server reads with the key
in ``ZarrViewExtension.storage_options``, and only under the allow-listed prefix.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from remote_stores import BUCKET, Bucket, Stores, loopback_only, moto_s3, write_stores
from server_helpers import MAX_TILE_ELEMENTS, TOKEN, error_of, tile_array
from traitlets.config import Config

from jupyter_zarrview.engine import parse_selection

if TYPE_CHECKING:
    from collections.abc import Iterator

ALLOWED = f"s3://{BUCKET}/allowed/"
IMAGE = f"{ALLOWED}image.ome.zarr"
SHARDED = f"{ALLOWED}sharded.zarr"


@pytest.fixture(scope="module", autouse=True)
def _loopback() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Stores:
    return write_stores(tmp_path_factory.mktemp("remote"))


@pytest.fixture(scope="module")
def s3(stores: Stores) -> Iterator[Bucket]:
    with moto_s3() as bucket:
        bucket.upload(stores.root / "image.ome.zarr", "allowed/image.ome.zarr")
        bucket.upload(stores.root / "sharded.zarr", "allowed/sharded.zarr")
        # The same bytes outside the prefix: a refusal there is the allow-list's, not a 404.
        bucket.upload(stores.root / "v2.zarr", "other/v2.zarr")
        yield bucket


@pytest.fixture
def server_s3_options(request: pytest.FixtureRequest, s3: Bucket) -> dict[str, Any]:
    """The bucket's options, with what a test passes as ``param`` put over them."""
    return {**s3.options, **getattr(request, "param", {})}


@pytest.fixture
def jp_server_config(server_s3_options: dict[str, Any]) -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"jupyter_zarrview": True}},
            "IdentityProvider": {"token": TOKEN},
            "ZarrViewExtension": {
                "remote_allowlist": [ALLOWED],
                "storage_options": {"s3": server_s3_options},
                "max_tile_elements": MAX_TILE_ELEMENTS,
                "max_workers": 2,
            },
        }
    )


def _reference(stores: Stores, name: str, level: int, sel: str) -> np.ndarray:
    array = stores.levels[name][level]
    return array[parse_selection(sel, array.shape)]


async def test_200_info_of_an_allow_listed_s3_image(api, stores):
    response = await api("info", path=IMAGE)
    assert response.code == 200
    info = json.loads(response.body)
    assert (info["kind"], info["name"], info["dtype"]) == (
        "ome-ngff-0.4",
        "image.ome.zarr",
        "uint16",
    )
    assert [a["name"] for a in info["axes"]] == ["c", "z", "y", "x"]
    assert info["channel_axis"] == 0
    assert [lv["shape"] for lv in info["levels"]] == [
        list(a.shape) for a in stores.levels["image.ome.zarr"]
    ]


@pytest.mark.parametrize(
    ("level", "sel"),
    [(0, "0,1,:,:"), (0, "1,2,3:21,::3"), (1, ":,0,5,:"), (2, "1,-1,:,:")],
)
async def test_200_tiles_of_an_allow_listed_s3_image_equal_numpy(api, stores, level, sel):
    response = await api("tile", path=IMAGE, level=str(level), sel=sel)
    expected = _reference(stores, "image.ome.zarr", level, sel)
    assert np.array_equal(tile_array(response), expected)


async def test_200_tile_of_a_sharded_s3_array(api, stores):
    # The shard index sits at the end of each shard: read with a suffix range request.
    response = await api("tile", path=SHARDED, sel="1:3,2:9,::2")
    assert np.array_equal(
        tile_array(response), _reference(stores, "sharded.zarr", 0, "1:3,2:9,::2")
    )


async def test_200_stats_of_an_allow_listed_s3_image(api, stores):
    response = await api("stats", path=IMAGE, level="2", sel="0,0,:,:")
    assert response.code == 200
    channel = json.loads(response.body)["channels"][0]
    plane = stores.levels["image.ome.zarr"][2][0, 0]
    assert (channel["min"], channel["max"]) == (plane.min(), plane.max())


@pytest.mark.parametrize(
    "url",
    [
        f"s3://{BUCKET}/other/v2.zarr",  # exists, outside the prefix
        f"s3://{BUCKET}/allowed-not/x.zarr",  # a prefix ends on a boundary
        f"s3://{BUCKET}/allowed/../other/v2.zarr",
        f"s3://{BUCKET}/allowed/%2e%2e/other/v2.zarr",
        "s3://other-bucket/allowed/image.ome.zarr",
        f"gs://{BUCKET}/allowed/image.ome.zarr",  # same bucket and key, another service
        f"zip::{IMAGE}.zip",
    ],
)
async def test_403_on_an_s3_url_not_on_the_allow_list(api, url):
    response = await api("tile", path=url, sel="0,0,0:2,0:2")
    assert response.code == 403
    assert error_of(response) == {
        "error": f"path {url!r} is a URL that is not on this server's allow-list",
        "parameter": "path",
    }


async def test_404_on_an_allow_listed_s3_url_that_holds_nothing(api):
    url = f"{ALLOWED}missing.zarr"
    response = await api("info", path=url)
    assert response.code == 404
    assert error_of(response) == {"error": f"nothing at {url}", "parameter": "path"}


@pytest.mark.parametrize("server_s3_options", [{"secret": "not-the-secret"}], indirect=True)
async def test_403_when_the_store_refuses_the_servers_credentials(api):
    response = await api("info", path=IMAGE)
    assert response.code == 403
    body = error_of(response)
    assert body["parameter"] == "path"
    assert body["expected"] == "credentials that may read the store"
    assert body["error"].startswith(f"{IMAGE}: the store refused access (")
    assert body["error"].endswith("check the credentials in storage_options")


@pytest.mark.parametrize(
    "server_s3_options",
    [
        {
            "endpoint_url": "http://127.0.0.1:9",
            # One attempt: botocore's four retries with back-off would only slow the test.
            "config_kwargs": {"retries": {"max_attempts": 1, "mode": "standard"}},
        }
    ],
    indirect=True,
)
async def test_503_when_the_store_cannot_be_reached(api):
    response = await api("info", path=IMAGE)
    assert response.code == 503
    assert response.headers["Retry-After"] == "5"
    body = error_of(response)
    assert body["parameter"] == "path"
    assert body["error"].startswith(f"{IMAGE}: the store could not be reached (")
