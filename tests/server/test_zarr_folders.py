"""``api/v1/zarr-folders``: which sub-folders the file browser may offer to open."""

from __future__ import annotations

import json

import pytest
import zarr


async def test_lists_zarr_folders_whatever_their_names(api, layout):
    job_output = layout.root / "folder" / "job-output"
    if not job_output.exists():
        zarr.create_array(str(job_output), shape=(4, 4), chunks=(4, 4), dtype="uint8")
    (layout.root / "folder" / "plain").mkdir(exist_ok=True)
    response = await api("zarr-folders", path="folder")
    assert response.code == 200
    body = json.loads(response.body)
    assert body == {"path": "folder", "zarr": ["job-output"]}


async def test_root_lists_its_stores_and_hides_hidden_ones(api):
    body = json.loads((await api("zarr-folders", path="")).body)
    assert {"plain2d.zarr", "vol3d.zarr", "plate.zarr", "link_in.zarr"} <= set(body["zarr"])
    assert "notzarr" not in body["zarr"]
    assert not any(name.startswith(".") for name in body["zarr"])


async def test_links_that_lead_out_of_the_roots_or_into_hidden_folders_are_not_offered(api):
    # Opening them answers 403: they are not looked into here either, nor offered to open.
    body = json.loads((await api("zarr-folders", path="")).body)
    assert "link_in.zarr" in body["zarr"]
    assert "link_out.zarr" not in body["zarr"]
    assert "link_hidden.zarr" not in body["zarr"]


async def test_403_on_a_folder_outside_the_roots(api):
    response = await api("zarr-folders", path="outside_dir")
    assert response.code == 403
    assert json.loads(response.body)["parameter"] == "path"


async def test_404_on_a_missing_folder(api):
    response = await api("zarr-folders", path="no/such/folder")
    assert response.code == 404
    assert json.loads(response.body)["error"] == "no such folder: 'no/such/folder'"


async def test_403_without_credentials(jp_fetch):
    from tornado.httpclient import HTTPClientError

    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(
            "zarrview",
            "api",
            "v1",
            "zarr-folders",
            params={"path": ""},
            headers={"Authorization": ""},
        )
    assert caught.value.code in (401, 403)
