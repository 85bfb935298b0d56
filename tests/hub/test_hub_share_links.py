"""Share links under JupyterHub: minted by alice on her own server with her credentials, read
through the proxy with no credentials at all, and only for the store they were minted for."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import numpy as np
import pytest
import requests
import zarr
from hub_users import PRIVATE, private_array
from test_notebook_widget import SPEC
from zarrview_endpoints import Reply, UserData, leaks

if TYPE_CHECKING:
    from hub_process import Hub
    from jupyter_process import JupyterProcess


def mint(server: JupyterProcess, path: str) -> str:
    """A share link's path (after the host), asked of the server with its user's API token."""
    response = requests.post(
        f"{server.url}zarrview/api/v1/share",
        params={"path": path, "expires_in": "600"},
        headers={"Authorization": f"token {server.token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    url = response.json()["url"]
    assert url.startswith("/user/alice/zarrview/shared/"), url
    return str(url)


def capability(link: str) -> str:
    """The segment after ``shared/``: the link's signed expiry, depth and signature."""
    return link.split("/zarrview/shared/", 1)[1].split("/", 1)[0]


def anonymous_get(url: str) -> Reply:
    # A fresh request with no cookie, no token and no header a Zarr client would not send.
    response = requests.get(url, allow_redirects=False, timeout=30)
    return Reply(
        response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content
    )


@pytest.fixture(scope="module")
def sample_link(servers: dict[str, JupyterProcess]) -> str:
    return mint(servers["alice"], "sample.ome.zarr")


def test_zarr_python_reads_alices_link_without_credentials(hub: Hub, servers, sample_link):
    url = hub.url.rstrip("/") + sample_link
    assert anonymous_get(f"{url}/.zattrs").status == 200
    # zarr-python over fsspec's HTTP: no cookie, no token, nothing but the link.
    shared = zarr.open_group(url, mode="r")
    local = zarr.open_group(str(servers["alice"].root / "sample.ome.zarr"), mode="r")
    assert shared.attrs.asdict() == local.attrs.asdict()
    for level in range(SPEC.levels):
        got, want = shared[str(level)], local[str(level)]
        assert isinstance(got, zarr.Array)
        assert isinstance(want, zarr.Array)
        assert got.shape == want.shape
        assert np.array_equal(got[...], want[...]), level


def test_the_link_reads_nothing_outside_the_store_it_was_minted_for(hub, servers, sample_link):
    alice = UserData(array=private_array("alice"), root=servers["alice"].root)
    signed = capability(sample_link)
    # alice's other store on her own server, with the sample's link.
    for key in ("zarr.json", "c/0/0"):
        reply = anonymous_get(f"{servers['alice'].url}zarrview/shared/{signed}/{PRIVATE}/{key}")
        assert reply.status == 403, (key, reply.body[:300])
        assert leaks(reply, alice) == []
    # The folder that holds the store is not inside it either.
    reply = anonymous_get(f"{servers['alice'].url}zarrview/shared/{signed}/")
    assert reply.status == 403, reply.body[:300]


def test_alices_link_opens_nothing_on_bobs_server(hub, servers):
    # Both have a private.zarr: alice's link for hers must not read bob's, whose server
    # signs with a secret of its own.
    link = mint(servers["alice"], PRIVATE)
    alice = UserData(array=private_array("alice"), root=servers["alice"].root)
    bob = UserData(array=private_array("bob"), root=servers["bob"].root)
    own = anonymous_get(hub.url.rstrip("/") + link + "/c/0/0")
    assert own.status == 200
    assert "store-chunk" in leaks(own, alice)
    on_bobs = link.replace("/user/alice/", "/user/bob/", 1)
    for key in ("zarr.json", "c/0/0"):
        reply = anonymous_get(f"{hub.url.rstrip('/')}{on_bobs}/{key}")
        assert reply.status == 403, (key, reply.body[:300])
        assert leaks(reply, bob) == []


def test_a_link_outlives_a_restart_of_its_server_and_gives_nothing_while_it_is_down(
    hub: Hub, servers
):
    # The key is derived from the cookie secret jupyter_server keeps in the user's home: a
    # restarted server reads the same one. bob's server: the lab tests use alice's.
    bob = servers["bob"]
    response = requests.post(
        f"{bob.url}zarrview/api/v1/share",
        params={"path": PRIVATE},
        headers={"Authorization": f"token {bob.token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    url = hub.url.rstrip("/") + response.json()["url"] + "/zarr.json"
    data = UserData(array=private_array("bob"), root=bob.root)
    assert "store-metadata" in leaks(anonymous_get(url), data)

    hub.stop_servers({"bob": bob.token})
    down = anonymous_get(url)
    # The proxy hands a stopped server's URLs to the hub, which sends them to its own pages.
    assert down.status == 302, (down.status, down.body[:300])
    assert down.headers["location"].startswith("/hub/user/bob/")
    assert leaks(down, data) == []
    # A Zarr client follows redirects: to the hub's login page, which starts no server
    # (starting one below would answer 400 if it had).
    followed = requests.get(url, timeout=30)
    assert urlsplit(followed.url).path == "/hub/login", followed.url
    assert leaks(Reply(followed.status_code, {}, followed.content), data) == []

    hub.start_servers({"bob": bob.token})
    assert "store-metadata" in leaks(anonymous_get(url), data)
