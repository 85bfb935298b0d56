"""One user's credentials get nothing from another user's server, on any zarrview route.

Each credential a user holds is tried: an API token from the hub's REST API, the cookies of a
browser logged in through the hub, and the token JupyterLab's page is handed; and no
credentials at all. The same requests from the owner get the data, so each refusal below is a
refusal of that credential, not of a request that could never have worked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
import requests
from hub_login import BrowserLogin, log_in
from hub_users import USERS, private_array
from zarrview_endpoints import ENDPOINTS, Endpoint, Reply, UserData, leaks

if TYPE_CHECKING:
    from collections.abc import Iterator

    from hub_process import Hub
    from jupyter_process import JupyterProcess

CREDENTIALS = ["api-token", "browser-cookies", "page-token"]
OTHER = {"alice": "bob", "bob": "alice"}


@pytest.fixture(scope="module")
def logins(browser, hub: Hub, servers: dict[str, JupyterProcess]) -> Iterator[dict[str, Any]]:
    logged_in = {user: log_in(browser, hub, user) for user in USERS}
    yield logged_in
    for login in logged_in.values():
        login.context.close()


def send(
    endpoint: Endpoint,
    server_url: str,
    credential: str,
    user: str,
    servers: dict[str, JupyterProcess],
    logins: dict[str, BrowserLogin],
) -> Reply:
    """The endpoint's request to the server at ``server_url``, sent with ``user``'s
    ``credential``; redirects are not followed."""
    url = server_url + endpoint.path
    headers = dict(endpoint.headers)
    if credential == "browser-cookies":
        login = logins[user]
        if endpoint.method == "POST":
            # As JupyterLab sends it: the _xsrf cookie of the user's own server, as a header.
            # Under JupyterHub each server signs its own, bound to the browser's hub session,
            # and hands none to another user's browser: such a POST stops at the XSRF check.
            xsrf = login.cookie("_xsrf", servers[user].url)
            assert xsrf, "the user's server set no _xsrf cookie"
            headers["X-XSRFToken"] = xsrf
        answer = login.context.request.fetch(
            url, method=endpoint.method, headers=headers, max_redirects=0, timeout=30_000
        )
        return Reply(answer.status, dict(answer.headers), answer.body())
    if credential == "api-token":
        headers["Authorization"] = f"token {servers[user].token}"
    elif credential == "page-token":
        token = logins[user].page_token
        assert token, "JupyterLab's page config holds no token"
        headers["Authorization"] = f"token {token}"
    else:
        assert credential == "none", credential
    response = requests.request(
        endpoint.method, url, headers=headers, allow_redirects=False, timeout=30
    )
    return Reply(
        response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content
    )


def user_data(servers: dict[str, JupyterProcess], user: str) -> UserData:
    return UserData(array=private_array(user), root=servers[user].root)


def assert_refused(reply: Reply, hub: Hub) -> None:
    """A 403, or a redirect to the hub's login or OAuth: never an answer from the server."""
    if reply.status in (301, 302, 303, 307):
        location = urlsplit(reply.headers.get("location", ""))
        assert location.path.startswith(("/hub/login", "/hub/api/oauth2/authorize")), location
        return
    assert reply.status == 403, (reply.status, reply.body[:300])


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize("credential", CREDENTIALS)
@pytest.mark.parametrize("owner", USERS)
def test_the_owner_gets_their_data_with_each_credential(
    owner, credential, endpoint, hub, servers, logins
):
    reply = send(endpoint, servers[owner].url, credential, owner, servers, logins)
    assert reply.status in (200, 206), (reply.status, reply.body[:300])
    assert endpoint.carries(reply, user_data(servers, owner)), reply.body[:300]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize("credential", [*CREDENTIALS, "none"])
@pytest.mark.parametrize("owner", USERS)
def test_403_or_login_for_anyone_else_and_no_byte_of_the_data(
    owner, credential, endpoint, hub, servers, logins
):
    intruder = OTHER[owner]
    reply = send(endpoint, servers[owner].url, credential, intruder, servers, logins)
    assert_refused(reply, hub)
    assert leaks(reply, user_data(servers, owner)) == []


@pytest.mark.parametrize("owner", USERS)
def test_a_browser_following_the_hubs_redirects_ends_without_the_data(owner, hub, servers, logins):
    """What the other user's browser shows at the owner's store URL, every redirect followed."""
    intruder = OTHER[owner]
    page = logins[intruder].context.new_page()
    try:
        for endpoint in ENDPOINTS:
            if endpoint.method != "GET" or endpoint.headers:
                continue
            answer = page.goto(servers[owner].url + endpoint.path, timeout=30_000)
            assert answer is not None
            body = answer.body()
            assert answer.status == 403, (endpoint.name, answer.url, answer.status, body[:300])
            reply = Reply(answer.status, dict(answer.headers), body)
            assert leaks(reply, user_data(servers, owner)) == [], endpoint.name
    finally:
        page.close()
