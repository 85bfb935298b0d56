"""A Jupyter server with live views open stops when asked, as one without them does."""

from __future__ import annotations

import http.client
import os
import signal
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import zarr
from jupyter_process import jupyter_server

if TYPE_CHECKING:
    from pathlib import Path


def running(pid: int) -> bool:
    """Whether ``pid`` still runs: a child that exited is a zombie until it is reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_server_following_a_store_stops_on_sigterm(tmp_path: Path) -> None:
    root, home = tmp_path / "root", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    zarr.create_array(str(root / "a.zarr"), shape=(2, 64, 64), chunks=(1, 64, 64), dtype="u1")
    with jupyter_server("jupyter_server", [], "/", root, home) as server:
        url = urlsplit(server.url)
        headers = {"Authorization": f"token {server.token}"}
        stream = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
        stream.request("GET", "/zarrview/api/v1/events?path=a.zarr", headers=headers)
        answer = stream.getresponse()
        assert answer.status == 200
        assert b"event: hello" in answer.fp.readline() + answer.fp.readline()
        # A tile: its chunk file's folder is watched for filesystem events too.
        tile = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
        tile.request(
            "GET", "/zarrview/api/v1/tile?path=a.zarr&level=0&sel=0,0:64,0:64", headers=headers
        )
        assert tile.getresponse().status == 200
        tile.close()
        time.sleep(1.0)
        os.kill(server.pid, signal.SIGTERM)
        started = time.monotonic()
        while time.monotonic() - started < 15 and running(server.pid):
            time.sleep(0.1)
        stopped = time.monotonic() - started
        stream.close()
        # Before, the server waited for ever on a thread of its filesystem events.
        assert stopped < 15, f"the server was still running {stopped:.0f} s after SIGTERM"
