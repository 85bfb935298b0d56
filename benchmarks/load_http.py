"""The server extension under load, on loopback: a real ``jupyter server`` and concurrent clients.

    python benchmarks/load_http.py [--clients 8] [--duration 20] [--cache-mib 256] [--idle 15]

Writes a 3-D uint16 dataset (64 x 2048 x 2048, 64^3 chunks: 512 MiB raw) in a temporary root dir,
starts ``jupyter server`` on 127.0.0.1 with a token, then runs N clients fetching random 512 x 512
z-plane tiles for the given time, with the Accept-Encoding a Chromium browser sends. It prints
tiles/s, tile latency, the latency of Jupyter's own ``/api/status`` under that load, the
server's RSS before and after against its cache size, and warm tiles over HTTP against the same
reads in this process, measured sequentially in the same run:

- *cached*: the same tile again; the engine answers it from its cache of read results;
- *chunk-warm*: the next planes of a 64-deep chunk slab whose chunks are decoded already (what
  scrubbing through z costs); each plane is cut anew from cached chunks;
- *page-warm*: a tile of a slab not decoded yet, its chunk files in the OS page cache (what
  panning to a new place costs): 64 chunks decoded for one 512 x 512 plane;
- *Jupyter's floor*: ``GET /api/status``, the cheapest authenticated request the server has.

During the load, a probe also asks again and again for one tile the server has cached: such
answers skip the read slots, so they must stay fast however busy the readers are.

After the load and a settle, the idle cost: the server's CPU over an idle window (from
``/proc/<pid>/stat``, as a share of one core), the requests it answered in that window (Jupyter's
own count, from its ``/metrics``) and how its RSS moved.

The bars: a warm tile over HTTP at most 1.5x the in-process read; ``/api/status`` p95 < 50 ms
with 8 clients reading; RSS growth, from a server that has answered its first tile, within the
cache size plus a fixed allowance for the interpreter's and allocator's own memory; idle, no
request served, at most 1% of a core and no RSS growth.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import aiohttp
import numpy as np
import zarr
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jupyter_zarrview.engine import Engine  # noqa: E402

TILE = 512
RSS_ALLOWANCE_MIB = 128
BROWSER_ACCEPT = "gzip, deflate, br, zstd"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of all of ``pid``'s threads so far."""
    text = Path(f"/proc/{pid}/stat").read_text()
    # The command name may hold spaces or parentheses: count fields from its closing one.
    fields = text[text.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


async def answered(session, base: str) -> dict[tuple[str, str], int]:
    """Requests the server has answered so far, per (handler, status), by Jupyter's own count.

    Jupyter counts each request as it finishes (its ``/metrics``); the scrapes themselves are
    left out, so two readings differ by exactly the requests other clients made in between.
    """
    async with session.get(base + "metrics") as r:
        text = await r.text()
        if r.status != 200:
            raise RuntimeError(f"/metrics answered {r.status}: {text[:200]!r}")
    out: dict[tuple[str, str], int] = {}
    for family in text_string_to_metric_families(text):
        if family.name != "http_request_duration_seconds":
            continue
        for sample in family.samples:
            handler = sample.labels.get("handler", "")
            if sample.name.endswith("_count") and not handler.endswith("MetricsHandler"):
                key = (handler, sample.labels.get("status_code", ""))
                out[key] = out.get(key, 0) + int(sample.value)
    return out


@dataclass(frozen=True)
class IdleCost:
    """What the server costs while nobody asks it anything."""

    seconds: float
    cpu_share: float  # of one core
    requests: int
    rss_drift_mib: float

    def lines(self) -> list[str]:
        # /proc counts CPU in clock ticks: the smallest share the window can show.
        tick = 100 / os.sysconf("SC_CLK_TCK") / self.seconds
        return [
            f"idle cost, a {self.seconds:.0f} s window once the load had settled:",
            f"  server CPU                    {self.cpu_share * 100:.2f} % of a core"
            f" (one tick: {tick:.2f} %)",
            f"  requests answered             {self.requests}",
            f"  RSS drift                     {self.rss_drift_mib:+.1f} MiB",
        ]

    def bars(self) -> dict[str, bool]:
        return {
            "idle: no request answered": self.requests == 0,
            "idle: server CPU <= 1% of a core": self.cpu_share <= 0.01,
            "idle: RSS grows <= 1 MiB": self.rss_drift_mib <= 1.0,
        }


async def idle_cost(session, base: str, pid: int, seconds: float) -> IdleCost:
    """The server's CPU, answered requests and RSS drift over ``seconds`` of nobody asking."""
    before = sum((await answered(session, base)).values())
    rss0, cpu0, t0 = _rss_mib(pid), cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(seconds)
    # CPU before the closing scrape, so the window holds none of the scrapes' own work.
    cpu1, t1, rss1 = cpu_seconds(pid), time.monotonic(), _rss_mib(pid)
    after = sum((await answered(session, base)).values())
    return IdleCost(t1 - t0, (cpu1 - cpu0) / (t1 - t0), after - before, rss1 - rss0)


def write_dataset(
    path: Path,
    shape: tuple[int, ...],
    chunk: int | tuple[int, int, int],
    *,
    dtype: str = "uint16",
    zarr_format: Literal[2, 3] = 3,
    shards: tuple[int, int, int] | None = None,
) -> None:
    """A 3-D uint16 or uint8 array of smooth structure and noise, written slab by slab."""
    chunks = (chunk, chunk, chunk) if isinstance(chunk, int) else chunk
    arr = zarr.create_array(
        str(path),
        shape=shape,
        chunks=chunks,
        shards=shards,
        dtype=dtype,
        fill_value=0,
        zarr_format=zarr_format,
    )
    scale = 16 if dtype == "uint8" else 1  # keeps the same picture inside uint8's range
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0 : shape[1], 0 : shape[2]].astype(np.float32)
    step = (shards or chunks)[0]
    for z0 in range(0, shape[0], step):
        depth = min(step, shape[0] - z0)
        slab = np.empty((depth, shape[1], shape[2]), dtype=dtype)
        for dz in range(depth):
            # Smooth structure plus sensor-like noise: compresses as real images do, partly.
            plane = 1000 + 800 * np.sin((xx + 7 * (z0 + dz)) / 97.0) * np.cos(yy / 61.0)
            noise = rng.integers(0, 64 // scale, size=plane.shape, dtype=dtype)
            slab[dz] = (plane / scale).astype(dtype) + noise
        arr[z0 : z0 + depth] = slab


def start_server(root: Path, home: Path, port: int, token: str, args: argparse.Namespace):
    config_dir = home / "config"
    config_dir.mkdir(parents=True)
    settings = {
        "cache_bytes": args.cache_mib * 1024**2,
        "max_workers": args.workers,
        "trim_memory_interval": args.trim_interval,
    }
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {"jpserver_extensions": {"jupyter_zarrview": True}},
                "ZarrViewExtension": settings,
            }
        )
    )
    env = {
        **os.environ,
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    log = open(home / "server.log", "w")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={token}",
            "--ServerApp.log_level=WARN",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return proc, log


async def wait_ready(session: aiohttp.ClientSession, base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            async with session.get(base + "api/status") as r:
                if r.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the server did not start within 60 s")


def tile_sel(z: int, ty: int, tx: int) -> tuple[int, slice, slice]:
    y0, x0 = ty * TILE, tx * TILE
    return (z, slice(y0, y0 + TILE), slice(x0, x0 + TILE))


def query(sel: tuple[int, slice, slice]) -> dict[str, str]:
    z, ys, xs = sel
    return {
        "path": "data.zarr",
        "level": "0",
        "sel": f"{z},{ys.start}:{ys.stop},{xs.start}:{xs.stop}",
    }


async def fetch(session, url, params=None, encoding: str = "identity") -> int:
    """Bytes on the wire for one answer (decoding is the browser's work, on another machine)."""
    headers = {"Accept-Encoding": encoding}
    async with session.get(url, params=params, headers=headers, auto_decompress=False) as r:
        body = await r.read()
        if r.status != 200:
            raise RuntimeError(f"{url} answered {r.status}: {body[:200]!r}")
        return len(body)


async def timed_http(session, url, queries, encoding: str = "identity") -> float:
    times = []
    for params in queries:
        t0 = time.perf_counter()
        await fetch(session, url, params, encoding)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def timed_in_process(engine: Engine, ds, sels) -> float:
    times = []
    for sel in sels:
        t0 = time.perf_counter()
        engine.read(ds, 0, sel).tobytes()  # tobytes: what a transport does with the array
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


async def warm_tiles(session, base: str, data: Path, args, shape) -> dict[str, float]:
    """Sequential medians of warm tiles, over HTTP and in this process."""
    url = base + "zarrview/api/v1/tile"
    n = min(args.repeats, args.chunk - 2)
    cached = [tile_sel(shape[0] // 2, 1, 1)] * args.repeats
    # Slab at z 0..chunk-1, tiles (2, 2) for HTTP and (3, 3) in-process: separate chunks, so
    # neither side warms the other's (the server and this process do not share a cache anyway).
    http_planes = [tile_sel(z, 2, 2) for z in range(1, n + 1)]
    local_planes = [tile_sel(z, 3, 3) for z in range(1, n + 1)]
    # Tiles of slabs nobody decoded yet, split between the two sides the same way.
    fresh = [(ty, tx) for ty in range(shape[1] // TILE) for tx in range(shape[2] // TILE)]
    fresh = [t for t in fresh if t not in ((1, 1), (2, 2), (3, 3))][: 2 * args.page_warm]
    local_fresh = [tile_sel(0, *t) for t in fresh[0::2]]
    http_fresh = [tile_sel(0, *t) for t in fresh[1::2]]

    engine = Engine(cache_bytes=args.cache_mib * 1024**2, max_workers=2)
    ds = engine.open(str(data))
    engine.read(ds, 0, cached[0])
    engine.read(ds, 0, tile_sel(0, 3, 3))  # decodes the slab's chunks
    out = {
        "in-process cached": timed_in_process(engine, ds, cached),
        "in-process chunk-warm": timed_in_process(engine, ds, local_planes),
        "in-process page-warm": timed_in_process(engine, ds, local_fresh),
    }
    engine.close()

    await fetch(session, url, query(cached[0]))
    await fetch(session, url, query(tile_sel(0, 2, 2)))
    out["HTTP cached"] = await timed_http(session, url, [query(s) for s in cached])
    out["HTTP cached, zstd"] = await timed_http(
        session, url, [query(s) for s in cached], BROWSER_ACCEPT
    )
    out["HTTP cached, gzip"] = await timed_http(session, url, [query(s) for s in cached], "gzip")
    out["HTTP chunk-warm"] = await timed_http(session, url, [query(s) for s in http_planes])
    out["HTTP page-warm"] = await timed_http(session, url, [query(s) for s in http_fresh])
    out["Jupyter floor (/api/status)"] = await timed_http(
        session, base + "api/status", [None] * args.repeats
    )
    return out


async def load(session, base: str, clients: int, duration: float, shape) -> dict:
    url = base + "zarrview/api/v1/tile"
    stop = time.monotonic() + duration
    latencies: list[float] = []
    status_latencies: list[float] = []
    cached_latencies: list[float] = []
    cached = query(tile_sel(shape[0] // 2, 1, 1))  # read before the load: the server has it
    wire = 0
    grid = (shape[1] // TILE, shape[2] // TILE)

    async def client(seed: int) -> None:
        nonlocal wire
        rng = random.Random(seed)
        while time.monotonic() < stop:
            sel = tile_sel(rng.randrange(shape[0]), rng.randrange(grid[0]), rng.randrange(grid[1]))
            t0 = time.perf_counter()
            wire += await fetch(session, url, query(sel), BROWSER_ACCEPT)
            latencies.append(time.perf_counter() - t0)

    async def probe(into: list[float], target: str, params=None, encoding="identity") -> None:
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            await fetch(session, target, params, encoding)
            into.append(time.perf_counter() - t0)
            await asyncio.sleep(0.05)

    t0 = time.perf_counter()
    await asyncio.gather(
        *(client(i) for i in range(clients)),
        probe(status_latencies, base + "api/status"),
        probe(cached_latencies, url, cached, BROWSER_ACCEPT),
    )
    elapsed = time.perf_counter() - t0
    return {
        "latencies": latencies,
        "status": status_latencies,
        "cached": cached_latencies,
        "wire": wire,
        "elapsed": elapsed,
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


async def run(args: argparse.Namespace) -> int:
    shape = tuple(int(n) for n in args.shape.split(","))
    work = Path(tempfile.mkdtemp(prefix="zarrview-bench-"))
    proc = log = None
    try:
        root = work / "root"
        root.mkdir()
        t0 = time.perf_counter()
        write_dataset(root / "data.zarr", shape, args.chunk)
        took = time.perf_counter() - t0
        print(f"dataset {shape} uint16, {args.chunk}^3 chunks, written in {took:.1f} s")

        port, token = _free_port(), secrets.token_hex(16)
        proc, log = start_server(root, work / "home", port, token, args)
        base = f"http://127.0.0.1:{port}/"
        connector = aiohttp.TCPConnector(limit=args.clients + 2)
        headers = {"Authorization": f"token {token}"}
        async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
            await wait_ready(session, base, proc)
            # One small tile first: what the server holds once it has started serving (its
            # modules imported, its thread pools up) is where growth is counted from.
            await fetch(
                session, base + "zarrview/api/v1/tile", query((0, slice(0, 1), slice(0, 1)))
            )
            rss_before = _rss_mib(proc.pid)
            warm = await warm_tiles(session, base, root / "data.zarr", args, shape)
            result = await load(session, base, args.clients, args.duration, shape)
            rss_loaded = _rss_mib(proc.pid)
            # The server returns freed memory on a timer (trim_memory_interval, 10 s): what
            # it keeps after that is what the load left behind.
            await asyncio.sleep(args.settle)
            rss_after = _rss_mib(proc.pid)
            idle = await idle_cost(session, base, proc.pid, args.idle)

        tiles = len(result["latencies"])
        lat, status, hits = result["latencies"], result["status"], result["cached"]
        growth = rss_after - rss_before
        print(f"{args.clients} clients for {args.duration:.0f} s; server: {args.workers} read")
        print(f"threads, {args.cache_mib} MiB cache; client Accept-Encoding: {BROWSER_ACCEPT}")
        print(f"  tiles/s                       {tiles / result['elapsed']:.1f}")
        print(f"  bytes on the wire per tile    {result['wire'] / max(tiles, 1) / 1024:.0f} KiB")
        print(f"                                (raw {TILE * TILE * 2 // 1024} KiB)")
        print(f"  tile latency p50 / p95        {ms(pct(lat, 50))} / {ms(pct(lat, 95))}")
        print(f"  /api/status p50 / p95         {ms(pct(status, 50))} / {ms(pct(status, 95))}")
        print(f"                                ({len(status)} probes during the load)")
        print(f"  cached tile p50 / p95         {ms(pct(hits, 50))} / {ms(pct(hits, 95))}")
        print(f"                                ({len(hits)} probes during the load)")
        print(f"  server RSS before / end of load / {args.settle:.0f} s later")
        rss = f"{rss_before:.0f} / {rss_loaded:.0f} / {rss_after:.0f} MiB"
        print(f"                                {rss}")
        print(f"                                (growth {growth:.0f} MiB)")
        print("warm 512 x 512 uint16 tiles, sequential medians:")
        for name, seconds in warm.items():
            print(f"  {name:30}{ms(seconds)}")
        floor = warm["Jupyter floor (/api/status)"]
        cached_ratio = warm["HTTP cached"] / warm["in-process cached"]
        warm_ratio = warm["HTTP chunk-warm"] / warm["in-process chunk-warm"]
        page_ratio = warm["HTTP page-warm"] / warm["in-process page-warm"]
        beyond_floor = (warm["HTTP chunk-warm"] - floor) / warm["in-process chunk-warm"]
        print(f"  ratio HTTP / in-process, cached      {cached_ratio:.2f}")
        print(f"  ratio HTTP / in-process, chunk-warm  {warm_ratio:.2f}")
        print(f"  same, less Jupyter's floor           {beyond_floor:.2f}")
        print(f"  ratio HTTP / in-process, page-warm   {page_ratio:.2f}")
        for line in idle.lines():
            print(line)
        bars = {
            "page-warm tile over HTTP <= 1.5x in-process": page_ratio <= 1.5,
            "chunk-warm tile over HTTP <= 1.5x in-process": warm_ratio <= 1.5,
            "cached tile over HTTP <= 1.5x in-process": cached_ratio <= 1.5,
            "/api/status p95 < 50 ms under load": pct(status, 95) < 0.050,
            f"RSS growth <= cache + {RSS_ALLOWANCE_MIB} MiB": growth
            <= args.cache_mib + RSS_ALLOWANCE_MIB,
            **idle.bars(),
        }
        for name, ok in bars.items():
            print(f"{'PASS' if ok else 'MISS'}  {name}")
        return 0 if all(bars.values()) else 1
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if log is not None:
            log.close()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--shape", default="64,2048,2048")
    parser.add_argument("--chunk", type=int, default=64)
    parser.add_argument("--cache-mib", type=int, default=256)
    parser.add_argument("--workers", type=int, default=4, help="the server's read threads")
    parser.add_argument("--repeats", type=int, default=30, help="sequential warm requests")
    parser.add_argument(
        "--page-warm", type=int, default=5, help="tiles of undecoded slabs, each side"
    )
    parser.add_argument(
        "--trim-interval", type=float, default=10.0, help="the server's trim_memory_interval"
    )
    parser.add_argument(
        "--settle", type=float, default=12.0, help="seconds idle before the last RSS reading"
    )
    parser.add_argument(
        "--idle", type=float, default=15.0, help="seconds of the idle window after the settle"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data and logs")
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
