"""URLs for a view (JupyterLab opens it in a tab) and for a store (any Zarr client reads it)."""

from __future__ import annotations

import html
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote, urlencode

if TYPE_CHECKING:
    import os

from .view_state import LINK_STATE

__all__ = ["StoreLink", "ViewLink", "link", "zarr_url"]


class StoreLink(NamedTuple):
    """A store's plain-Zarr URL and the options that carry the user's Jupyter credentials.

    ``zarr.open(link.url, mode="r", storage_options=link.storage_options)`` reads it.
    """

    url: str
    storage_options: dict[str, Any]


class ViewLink(str):
    """The URL of a view: a plain ``str`` to code, a link that opens a new tab in a notebook.

    A notebook shows a bare string quoted and unclickable; this shows the same URL as an
    anchor. Everything else (``==``, f-strings, JSON, ``repr``) treats it as the string it is.
    """

    __slots__ = ()

    def _repr_html_(self) -> str:
        url = html.escape(self, quote=True)
        return f'<a href="{url}" target="_blank" rel="noopener">{url}</a>'

    def _repr_markdown_(self) -> str:
        # An autolink: the URL's own `_` and `*` stay as they are, not emphasis.
        return f"<{self}>"


def _running_servers() -> list[dict[str, Any]]:
    from jupyter_server.serverapp import list_running_servers

    return list(list_running_servers())


def _server_for(path: Path, server: dict[str, Any] | None) -> tuple[dict[str, Any], str]:
    """The Jupyter server whose root holds ``path``, and the path relative to that root."""
    candidates = [server] if server is not None else _running_servers()
    for info in candidates:
        root = Path(info.get("root_dir") or info.get("notebook_dir") or "").resolve()
        try:
            relative = path.relative_to(root)
        except ValueError:
            continue
        return info, relative.as_posix()
    roots = [str(c.get("root_dir")) for c in candidates]
    raise ValueError(
        f"{path} is not under the root dir of a running Jupyter server (roots: {roots}); "
        "pass server={'url': ..., 'root_dir': ..., 'token': ...} to say which server to link to"
    )


def _resolve(path: str | os.PathLike[str]) -> Path:
    return Path(path).expanduser().resolve()


def link(
    path: str | os.PathLike[str],
    *,
    array: str | None = None,
    server: dict[str, Any] | None = None,
    **view_state: Any,
) -> ViewLink:
    """A URL that opens JupyterLab with ``path`` in a ZarrView tab, at the given view.

    ``view_state`` takes the viewer's state: ``indices``, ``zoom``, ``center``, ``colormap``,
    ``contrast``, ``gamma``, ``composite``, ``channels``, ``displayed_axes``, ``level``. The
    URL carries no credentials: whoever opens it logs in to Jupyter as usual. It is a ``str``
    that a notebook shows as a clickable link.
    """
    unknown = sorted(set(view_state) - set(LINK_STATE))
    if unknown:
        raise TypeError(
            f"link() got unknown view state {unknown}; it takes: {', '.join(LINK_STATE)}"
        )
    info, relative = _server_for(_resolve(path), server)
    params = {"zarrview": relative}
    if array:
        params["zarrview-array"] = array
    state = {k: list(v) if isinstance(v, tuple) else v for k, v in view_state.items()}
    if state:
        params["zarrview-state"] = json.dumps(state, separators=(",", ":"))
    return ViewLink(f"{info['url'].rstrip('/')}/lab?{urlencode(params, quote_via=quote)}")


def zarr_url(
    path: str | os.PathLike[str],
    *,
    server: dict[str, Any] | None = None,
    share: bool = False,
    expires_in: float | None = None,
) -> StoreLink:
    """The plain-Zarr URL of a store, served key by key by the Jupyter server's extension.

    By default the URL needs the user's Jupyter credentials, as any request to the server does:
    the returned ``storage_options`` send them as an ``Authorization: token ...`` header, the
    way fsspec's HTTP filesystem (and so zarr-python) passes headers.

    With ``share=True`` it is a share link instead: a URL that reads this store (and nothing
    else) without credentials until it expires, ``expires_in`` seconds from now (default and
    maximum: the server's ``share_link_max_age``), for clients that cannot send a token, such
    as neuroglancer or zarrita.js. Whoever holds the link can read the store: share it as you
    would the data.
    """
    info, relative = _server_for(_resolve(path), server)
    base = info["url"].rstrip("/")
    token = info.get("token") or ""
    headers = {"Authorization": f"token {token}"} if token else {}
    if not share:
        if expires_in is not None:
            raise TypeError("zarr_url(expires_in=...) is for share links: pass share=True too")
        url = f"{base}/zarrview/store/{quote(relative)}"
        return StoreLink(url=url, storage_options={"headers": headers} if headers else {})
    query = {"path": relative}
    if expires_in is not None:
        query["expires_in"] = f"{float(expires_in):g}"
    request = urllib.request.Request(
        f"{base}/zarrview/api/v1/share?{urlencode(query, quote_via=quote)}",
        method="POST",
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise ValueError(
            f"the server refused a share link for {relative!r}: {_reason(exc)}"
        ) from None
    origin = urllib.parse.urlsplit(base)
    return StoreLink(url=f"{origin.scheme}://{origin.netloc}{answer['url']}", storage_options={})


def _reason(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(error.read())["error"])
    except (ValueError, KeyError, TypeError):
        return f"HTTP {error.code}"
