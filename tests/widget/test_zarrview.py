"""ZarrView's Python side: options, validation, sources, and the protocol over widget messages."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np
import pytest
import traitlets
import zarr

from jupyter_zarrview import ZarrView
from jupyter_zarrview.widget.zarrview import colormap_names

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def volume(tmp_path: Path) -> tuple[Path, np.ndarray]:
    data = np.arange(4 * 64 * 48, dtype=np.uint16).reshape(4, 64, 48)
    path = tmp_path / "vol.zarr"
    arr = zarr.create_array(str(path), shape=data.shape, chunks=(2, 32, 32), dtype=data.dtype)
    arr[...] = data
    return path, data


class Replies:
    """Captures what the widget sends back, as the front end would receive it."""

    def __init__(self, widget: ZarrView) -> None:
        self.messages: list[tuple[dict, list]] = []
        self._done = threading.Condition()
        widget.send = self._send

    def _send(self, content: dict, buffers: list | None = None) -> None:
        with self._done:
            self.messages.append((content, list(buffers or [])))
            self._done.notify_all()

    def wait(self, count: int) -> list[tuple[dict, list]]:
        with self._done:
            assert self._done.wait_for(lambda: len(self.messages) >= count, timeout=30)
            return list(self.messages)


def request(widget: ZarrView, rid: int, op: str, **params: str) -> None:
    content = {"type": "zarrview-request", "id": rid, "op": op, "params": params}
    widget._transport._on_msg(widget, content, [])


def test_path_source_fills_info_and_points_the_viewer_at_the_server(volume, monkeypatch):
    path, data = volume
    monkeypatch.chdir(path.parent)
    view = ZarrView("vol.zarr")
    assert view.error == ""
    assert view.info is not None
    assert view.info["levels"][0]["shape"] == list(data.shape)
    assert view.info["dtype"] == "uint16"
    assert view._http == {"path": str(path.resolve()), "array": None}


def test_options_are_traitlets_set_after_open(volume):
    path, _ = volume
    view = ZarrView(path, colormap="viridis", contrast=(0, 1000), indices={"dim_0": 3})
    assert (view.colormap, view.contrast, view.indices) == ("viridis", [0, 1000], {"dim_0": 3})


def test_unknown_option_says_which_options_exist(volume):
    path, _ = volume
    with pytest.raises(TypeError, match=r"unexpected option 'colour'.*colormap"):
        ZarrView(path, colour="red")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("colormap", "rainbowish", r"unknown colormap 'rainbowish'; choose one of: .*viridis"),
        ("contrast", (5, 5), r"low < high"),
        ("gamma", 0, r"gamma must be in \(0, 10\]"),
        ("indices", {"w": 1}, r"axis 'w' the data does not have"),
        ("indices", {"dim_0": 4}, r"index 4 on axis 'dim_0' is out of range 0..3"),
        ("displayed_axes", ["dim_1", "dim_1"], r"two different axes"),
        ("level", 3, r"level 3 is out of range: this image has levels 0..0"),
    ],
)
def test_bad_state_is_refused_with_what_was_expected(volume, name, value, message):
    path, _ = volume
    view = ZarrView(path)
    with pytest.raises(traitlets.TraitError, match=message):
        setattr(view, name, value)


def test_colormaps_come_from_the_viewer_table():
    names = colormap_names()
    assert {"gray", "viridis", "magma", "inferno", "plasma", "turbo"} <= set(names)


def test_wrong_path_shows_an_error_in_the_widget_instead_of_raising(tmp_path):
    view = ZarrView(tmp_path / "missing.zarr")
    assert view.info is None
    assert "missing.zarr" in view.error


def test_not_zarr_shows_an_error(tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("hello")
    view = ZarrView(tmp_path / "plain")
    assert view.info is None
    assert view.error


def test_numpy_source_is_served_over_widget_messages():
    data = np.random.default_rng(1).integers(0, 1000, size=(3, 70, 90), dtype=np.int32)
    view = ZarrView(data)
    assert view._http is None
    replies = Replies(view)
    request(view, 1, "tile", level="0", sel="1,5:69,0:90:2")
    request(view, 2, "info")
    messages = {content["id"]: (content, buffers) for content, buffers in replies.wait(2)}
    content, buffers = messages[1]
    assert content["type"] == "zarrview-response"
    assert content["status"] == 200
    assert content["headers"]["X-Zarrview-Dtype"] == "int32"
    assert content["headers"]["X-Zarrview-Shape"] == "64,45"
    got = np.frombuffer(bytes(buffers[0]), dtype="<i4").reshape(64, 45)
    assert np.array_equal(got, data[1, 5:69, 0:90:2])
    info, no_buffers = messages[2]
    assert info["json"]["levels"][0]["shape"] == [3, 70, 90]
    assert no_buffers == []


def test_bad_request_over_messages_answers_400_naming_the_parameter():
    view = ZarrView(np.zeros((8, 8), dtype=np.uint8))
    replies = Replies(view)
    request(view, 7, "tile", level="0", sel="0:8")
    content, buffers = replies.wait(1)[0]
    assert content["status"] == 400
    assert content["json"]["parameter"] == "sel"
    assert buffers == []


def test_refresh_sees_a_grown_array(tmp_path):
    path = tmp_path / "grow.zarr"
    arr = zarr.create_array(str(path), shape=(1, 16, 16), chunks=(1, 16, 16), dtype="uint8")
    arr[0] = 5
    view = ZarrView(path)
    version = view.info["version"]
    arr.resize((2, 16, 16))
    arr[1] = 9
    assert view.refresh() is True
    assert view.info["levels"][0]["shape"] == [2, 16, 16]
    assert view.info["version"] != version
    view.indices = {"dim_0": 1}
    assert np.array_equal(view.dataset.read(0, (1, slice(None), slice(None))), arr[1])


def test_zarr_array_on_local_disk_is_served_by_the_server_too(volume):
    path, _ = volume
    view = ZarrView(zarr.open_array(str(path), mode="r"))
    assert view._http == {"path": str(path.resolve()), "array": None}


def test_two_linked_viewers_move_together(volume):
    path, _ = volume
    first, second = ZarrView(path), ZarrView(path, colormap="magma")
    traitlets.link((first, "indices"), (second, "indices"))
    traitlets.link((first, "zoom"), (second, "zoom"))
    first.indices = {"dim_0": 2}
    second.zoom = 3.5
    assert second.indices == {"dim_0": 2}
    assert first.zoom == 3.5
    assert (first.colormap, second.colormap) == ("gray", "magma")


def test_link_needs_data_on_the_servers_disks():
    with pytest.raises(ValueError, match="lives in the kernel"):
        ZarrView(np.zeros((4, 4), dtype=np.uint8)).link()


def test_link_carries_the_view(volume):
    path, _ = volume
    view = ZarrView(path, indices={"dim_0": 1}, zoom=2.0, colormap="viridis")
    server = {"url": "http://127.0.0.1:8888/user/alice/", "root_dir": str(path.parent)}
    url = view.link(server=server)
    assert url.startswith("http://127.0.0.1:8888/user/alice/lab?zarrview=vol.zarr&zarrview-state=")
    assert "%22viridis%22" in url
    assert "%22dim_0%22%3A1" in url


def test_a_views_link_shows_as_a_clickable_anchor(volume):
    path, _ = volume
    view = ZarrView(path, zoom=2.0)
    server = {"url": "http://127.0.0.1:8888/user/alice/", "root_dir": str(path.parent)}
    url = view.link(server=server)
    shown = url._repr_html_()
    assert shown.startswith('<a href="http://127.0.0.1:8888/user/alice/lab?zarrview=vol.zarr&amp;')
    assert shown.endswith(' target="_blank" rel="noopener">' + url.replace("&", "&amp;") + "</a>")
    assert url._repr_markdown_() == f"<{url}>"
