"""``jupyter_zarrview.link(...)``: a URL that is a string to code and a link to a notebook."""

from __future__ import annotations

import html
import json
import re
from typing import TYPE_CHECKING

import jupyter_zarrview as zv

if TYPE_CHECKING:
    from pathlib import Path

    from jupyter_zarrview.links import ViewLink

SERVER_URL = "http://127.0.0.1:8888/user/alice/"


def _link(tmp_path: Path) -> ViewLink:
    server = {"url": SERVER_URL, "root_dir": str(tmp_path)}
    return zv.link(tmp_path / "runs/a&b.ome.zarr", server=server, indices={"z": 3}, zoom=2.0)


def test_a_link_is_still_the_url_string(tmp_path):
    url = _link(tmp_path)
    assert isinstance(url, str)
    assert url.startswith(f"{SERVER_URL}lab?zarrview=runs%2Fa%26b.ome.zarr&zarrview-state=")
    # Code that used it as a plain string (f-strings, json, ==, repr) sees the same URL.
    plain = str.__str__(url)
    assert str(url) == plain
    assert f"{url}" == plain
    assert json.loads(json.dumps({"url": url})) == {"url": plain}
    assert repr(url) == repr(plain)
    assert type(url + "#x") is str


def test_a_link_shows_in_a_notebook_as_an_anchor_that_opens_a_new_tab(tmp_path):
    url = _link(tmp_path)
    shown = url._repr_html_()
    anchor = re.fullmatch(r'<a href="([^"]*)" target="_blank" rel="noopener">([^<]*)</a>', shown)
    assert anchor is not None, shown
    assert html.unescape(anchor.group(1)) == url
    assert html.unescape(anchor.group(2)) == url
    assert "&zarrview-state=" not in shown  # the query's & is escaped in the markup


def test_a_link_in_markdown_is_an_autolink_to_the_same_url(tmp_path):
    url = _link(tmp_path)
    assert url._repr_markdown_() == f"<{url}>"
