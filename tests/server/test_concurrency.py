"""Reads wait for one of a few slots, off the IO loop; a request whose client left is dropped."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Literal

import pytest
from server_helpers import TOKEN, tile_array

from jupyter_zarrview.server.context import SETTINGS_KEY

SLOTS = 2


class CountingSemaphore(asyncio.Semaphore):
    """The server's read slots, counting the requests that wait for one."""

    def __init__(self, value: int) -> None:
        super().__init__(value)
        self.waiting = 0

    async def acquire(self) -> Literal[True]:
        self.waiting += 1
        try:
            return await super().acquire()
        finally:
            self.waiting -= 1


@pytest.fixture
def jp_server_config(jp_server_config):
    jp_server_config.ZarrViewExtension.max_concurrent_reads = SLOTS
    return jp_server_config


@pytest.fixture
def slots(jp_serverapp) -> CountingSemaphore:
    settings = jp_serverapp.web_app.settings
    semaphore = CountingSemaphore(SLOTS)
    settings[SETTINGS_KEY] = dataclasses.replace(settings[SETTINGS_KEY], slots=semaphore)
    return semaphore


@pytest.fixture
def reads(jp_serverapp, monkeypatch) -> list[int]:
    """The levels of every read the engine starts."""
    engine = jp_serverapp.web_app.settings[SETTINGS_KEY].engine
    started: list[int] = []
    read = engine.read

    def counting_read(ds, level, selection):
        started.append(level)
        return read(ds, level, selection)

    monkeypatch.setattr(engine, "read", counting_read)
    return started


async def _until(condition) -> None:
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the server never reached the expected state")


async def test_jupyter_api_answers_while_every_read_slot_is_taken(slots, api, jp_fetch, layout):
    for _ in range(SLOTS):
        await slots.acquire()
    tile = asyncio.ensure_future(api("tile", path="plain2d.zarr", sel="0:4,0:4"))
    await _until(lambda: slots.waiting == 1)
    status = await jp_fetch("api", "status")
    assert status.code == 200
    assert not tile.done()
    for _ in range(SLOTS):
        slots.release()
    assert (tile_array(await tile) == layout.arrays["plain2d.zarr"][0][:4, :4]).all()


async def test_a_request_whose_client_left_before_its_turn_is_not_read(
    slots, reads, api, http_server, jp_http_port, jp_base_url
):
    for _ in range(SLOTS):
        await slots.acquire()
    _reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    writer.write(
        (
            f"GET {jp_base_url}zarrview/api/v1/tile?path=ome04.zarr&level=2&sel=0,0,0,:,: "
            f"HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: token {TOKEN}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    await _until(lambda: slots.waiting == 1)
    writer.close()
    await writer.wait_closed()
    for _ in range(SLOTS):
        slots.release()
    # Served after the abandoned one (slots go first come, first served): by its end, the
    # abandoned request has had its turn and let it go unread.
    control = await api("tile", path="ome04.zarr", level="1", sel="0,0,0,:,:")
    assert control.code == 200
    assert reads == [1]


async def test_cached_tiles_and_304s_do_not_wait_behind_reads(slots, reads, api, layout):
    first = await api("tile", path="plain2d.zarr", sel="0:4,0:4")
    assert reads == [0]
    for _ in range(SLOTS):
        await slots.acquire()
    try:
        # Every slot is taken, yet the same tile comes from the cache at once...
        again = await asyncio.wait_for(api("tile", path="plain2d.zarr", sel="0:4,0:4"), 10)
        assert (tile_array(again) == layout.arrays["plain2d.zarr"][0][:4, :4]).all()
        assert again.headers["ETag"] == first.headers["ETag"]
        # ...and so does a revalidation, written another way (same canonical selection).
        headers = {"If-None-Match": first.headers["ETag"]}
        unchanged = await asyncio.wait_for(
            api("tile", headers=headers, path="plain2d.zarr", sel=":4:1,0:4"), 10
        )
        assert unchanged.code == 304
        assert slots.waiting == 0
        # A tile never read waits for a slot.
        other = asyncio.ensure_future(api("tile", path="plain2d.zarr", sel="4:8,0:4"))
        await _until(lambda: slots.waiting == 1)
        assert not other.done()
    finally:
        for _ in range(SLOTS):
            slots.release()
    assert (tile_array(await other) == layout.arrays["plain2d.zarr"][0][4:8, :4]).all()
    assert reads == [0, 0]
