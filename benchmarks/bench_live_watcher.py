"""What a live watcher costs while nothing changes, and how soon a write becomes an event.

In one process, without HTTP: the server's dataset cache and live hub over a v2 store of
64 x 1024 x 1024 uint16 in 1 x 256 x 256 chunks. For N tiles on screen (512 x 512 tiles of plane
0, read through the protocol as the tile handler reads them, so their chunk files are recorded),
one event stream is opened, then:

- idle: for 5 s nothing is written; prints the watcher's polls, the stats per poll, the CPU per
  poll (the poll's thread time) and the process's CPU share over those 5 s;
- latency: plane 0's first chunk is rewritten (zarr-python, in place) a few times, a moment
  apart; for each, the time from the end of the write to the ``change`` reaching the stream.

Both with filesystem events waking the watcher (watchfiles, when installed) and by polling
alone, as a writer on another node of a network file system is seen.

    python benchmarks/bench_live_watcher.py [--tiles 4 16 64] [--poll 1.0] [--writes 8]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import zarr

from jupyter_zarrview.engine import Engine
from jupyter_zarrview.protocol import Limits, handle
from jupyter_zarrview.server.datasets import DatasetCache
from jupyter_zarrview.server.paths import Roots
from jupyter_zarrview.server.watchers import LiveHub, LiveSettings

SHAPE = (64, 1024, 1024)
CHUNKS = (1, 256, 256)
TILE = 512


def write_store(root: Path) -> zarr.Array:
    arr = zarr.create_array(
        root / "live.zarr", shape=SHAPE, chunks=CHUNKS, dtype="uint16", zarr_format=2
    )
    arr[:2] = np.ones((2, *SHAPE[1:]), dtype="uint16")
    return arr


def tile_selections(count: int) -> list[str]:
    """``count`` tile selections: plane 0's 512 x 512 tiles, then plane 1's, and so on."""
    per_plane = (SHAPE[1] // TILE) * (SHAPE[2] // TILE)
    out = []
    for i in range(count):
        t, rest = divmod(i, per_plane)
        y, x = divmod(rest, SHAPE[2] // TILE)
        out.append(f"{t},{y * TILE}:{(y + 1) * TILE},{x * TILE}:{(x + 1) * TILE}")
    return out


async def run(
    tiles: int, poll: float, writes: int, arr: zarr.Array, root: Path, file_events: bool
) -> None:
    engine = Engine(cache_bytes=64 * 2**20, max_workers=2)
    datasets = DatasetCache(engine, Roots.create(root))
    limits = Limits()
    hub = LiveHub(
        datasets, engine, limits, LiveSettings(poll_interval=poll, file_events=file_events)
    )
    params = {"path": "live.zarr"}
    try:
        for sel in tile_selections(tiles):
            answer = handle("tile", {**params, "sel": sel}, datasets.get, engine, limits, etag=True)
            assert answer.status == 200, answer.json
        ds = datasets.get(params)
        stream = hub.open(("bench", "127.0.0.1"), params, ds)
        watcher = stream.watcher
        await asyncio.wait_for(watcher.ready.wait(), 10)
        await asyncio.sleep(2 * poll)
        polls, cpu, process = watcher.polls, watcher.cpu_seconds, time.process_time()
        started = time.monotonic()
        await asyncio.sleep(5.0)
        wall = time.monotonic() - started
        count = watcher.polls - polls
        print(
            f"{tiles:4d} tiles, poll {poll:.2f} s, events {'on' if file_events else 'off'}: "
            f"{count} polls in {wall:.1f} s, "
            f"{watcher.last_stats} stats per poll, "
            f"{1e3 * (watcher.cpu_seconds - cpu) / max(1, count):.2f} ms CPU per poll, "
            f"process CPU {100 * (time.process_time() - process) / wall:.2f}% of a core"
        )
        assert await stream.next(0.01) == []
        latencies = []
        for i in range(writes):
            await asyncio.sleep(poll * (0.37 + 0.61 * ((i * 0.618) % 1)))  # off the poll's beat
            await asyncio.get_running_loop().run_in_executor(
                None, arr.__setitem__, (0, slice(0, 256), slice(0, 256)), i + 2
            )
            written = time.monotonic()
            events = await stream.next(10 * poll)
            if not events or events[0][0] != "change":
                raise SystemExit(f"no change event after a write: {events}")
            latencies.append(time.monotonic() - written)
        latencies.sort()
        p50, worst = 1e3 * statistics.median(latencies), 1e3 * latencies[-1]
        print(f"      write -> event over {writes} writes: p50 {p50:.0f} ms, max {worst:.0f} ms")
        hub.close(stream)
    finally:
        await hub.shutdown()
        engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiles", type=int, nargs="+", default=[4, 16, 64])
    parser.add_argument("--poll", type=float, default=1.0)
    parser.add_argument("--writes", type=int, default=8)
    parser.add_argument(
        "--file-events",
        choices=["on", "off", "both"],
        default="both",
        help="wake the watcher on filesystem events (watchfiles), or poll only",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        arr = write_store(root)
        modes = {"on": [True], "off": [False], "both": [False, True]}[args.file_events]
        for file_events in modes:
            for tiles in args.tiles:
                asyncio.run(run(tiles, args.poll, args.writes, arr, root, file_events))


if __name__ == "__main__":
    main()
