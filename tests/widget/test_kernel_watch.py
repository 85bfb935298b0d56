"""The kernel's watcher: a store read over widget messages is followed as it is written."""

from __future__ import annotations

import shutil
import time
from typing import TYPE_CHECKING

import numpy as np
import zarr
from test_zarrview import Replies, request

from jupyter_zarrview import ZarrView

if TYPE_CHECKING:
    from pathlib import Path


def watch(view: ZarrView, on: bool = True) -> None:
    view._transport._on_msg(view, {"type": "zarrview-watch", "on": on}, [])


def events(replies: Replies, seconds: float = 10.0, count: int = 1) -> list[dict]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [c for c, _ in replies.messages if c.get("type") == "zarrview-event"]
        if len(found) >= count:
            return found
        time.sleep(0.02)
    return [c for c, _ in replies.messages if c.get("type") == "zarrview-event"]


def watched_view(path: Path, shape: tuple[int, ...]) -> tuple[zarr.Array, ZarrView, Replies]:
    """A v3 store of ``shape`` (frame 0 written), its view, and what the view is sent."""
    arr = zarr.create_array(str(path), shape=shape, chunks=shape, dtype="uint8")
    arr[0] = 1
    view = ZarrView(path)
    view._watch._interval = 0.05
    return arr, view, Replies(view)


def test_a_store_that_grows_is_followed_over_widget_messages(tmp_path: Path) -> None:
    arr, view, replies = watched_view(tmp_path / "grow.zarr", (1, 32, 32))
    watch(view)
    assert view._watch.running
    time.sleep(0.2)
    assert events(replies, 0.1) == []  # nothing written, nothing told
    arr.resize((2, 32, 32))
    arr[1] = 7
    (change,) = events(replies)[:1]
    assert change["event"] == "change"
    assert change["data"]["metadata"] is True
    assert change["data"]["info"]["levels"][0]["shape"] == [2, 32, 32]


def test_a_rewritten_chunk_names_the_tiles_over_it(tmp_path: Path) -> None:
    path = tmp_path / "preview.zarr"
    arr = zarr.create_array(
        str(path), shape=(64, 64), chunks=(32, 32), dtype="uint8", zarr_format=2
    )
    arr[...] = 0
    view = ZarrView(path)
    replies = Replies(view)
    view._watch._interval = 0.05
    request(view, 1, "tile", level="0", sel="0:32,32:64")  # the chunk files it reads are watched
    replies.wait(1)
    watch(view)
    time.sleep(0.2)
    time.sleep(0.01)
    arr[0:32, 32:64] = np.full((32, 32), 9, dtype="uint8")
    (change,) = events(replies)[:1]
    assert change["data"]["metadata"] is False
    assert change["data"]["levels"] == [{"level": 0, "boxes": [[[0, 32], [32, 64]]]}]


def test_a_store_removed_is_gone_and_turning_the_watch_off_stops_it(tmp_path: Path) -> None:
    path = tmp_path / "gone.zarr"
    zarr.create_array(str(path), shape=(8, 8), chunks=(8, 8), dtype="uint8")[...] = 3
    view = ZarrView(path)
    replies = Replies(view)
    view._watch._interval = 0.05
    watch(view)
    shutil.rmtree(path)
    (gone,) = events(replies)[:1]
    assert gone["event"] == "gone"
    watch(view, on=False)
    time.sleep(0.1)
    assert not view._watch.running


def test_an_array_in_the_kernel_is_not_polled(tmp_path: Path) -> None:
    view = ZarrView(np.zeros((4, 8, 8), dtype="uint8"))
    watch(view)
    assert not view._watch.running  # refresh() tells the view instead


def test_frames_written_before_the_view_watched_are_told_when_it_starts(tmp_path: Path) -> None:
    # Run All: the writer's cell may write before the view has rendered and asked to watch.
    arr, view, replies = watched_view(tmp_path / "early.zarr", (1, 16, 16))
    arr.resize((3, 16, 16))
    arr[1:] = 2
    watch(view)
    (change,) = events(replies, 2.0)
    assert change["data"]["metadata"] is True
    assert change["data"]["info"]["levels"][0]["shape"] == [3, 16, 16]
    assert change["data"]["levels"] == [{"level": 0, "boxes": [[[0, 0, 0], [3, 16, 16]]]}]
