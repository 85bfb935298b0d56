"""The server extension under load, on loopback: a real ``jupyter server`` and concurrent clients.

    python benchmarks/load_http.py [--clients 8] [--duration 20] [--cache-mib 256]

Writes a 3-D uint16 dataset (64 x 2048 x 2048, 64^3 chunks: 512 MiB raw) in a temporary root dir,
starts ``jupyter server`` on 127.0.0.1 with a token, then runs N clients fetching random 512 x 512
z-plane tiles for the given time. It prints tiles/s, tile latency, the latency of Jupyter's own
``/api/status`` under that load, the server's RSS before and after against its cache size, and
the time of one warm tile over HTTP against the same read in this process. The bars:

- a warm 512 x 512 tile over HTTP costs at most 1.5x the in-process read;
- ``/api/status`` p95 < 50 ms with 8 clients reading;
- RSS growth stays within the configured cache size (plus a fixed allowance for the
  interpreter's own arenas and the thread stacks).
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
from pathlib import Path

import aiohttp
import numpy as np
import zarr

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jupyter_zarrview.engine import Engine  # noqa: E402

TILE = 512
RSS_ALLOWANCE_MIB = 64


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def write_dataset(path: Path, shape: tuple[int, int, int], chunk: int) -> None:
    arr = zarr.create_array(
        str(path), shape=shape, chunks=(chunk, chunk, chunk), dtype="uint16", fill_value=0
    )
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0 : shape[1], 0 : shape[2]].astype(np.float32)
    for z0 in range(0, shape[0], chunk):
        depth = min(chunk, shape[0] - z0)
        slab = np.empty((depth, shape[1], shape[2]), dtype=np.uint16)
        for dz in range(depth):
            # Smooth structure plus sensor-like noise: compresses as real images do, partly.
            plane = 1000 + 800 * np.sin((xx + 7 * (z0 + dz)) / 97.0) * np.cos(yy / 61.0)
            slab[dz] = plane.astype(np.uint16) + rng.integers(
                0, 64, size=plane.shape, dtype=np.uint16
            )
        arr[z0 : z0 + depth] = slab


def start_server(root: Path, home: Path, port: int, token: str, cache_bytes: int, workers: int):
    config_dir = home / "config"
    config_dir.mkdir(parents=True)
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {"jpserver_extensions": {"jupyter_zarrview": True}},
                "ZarrViewExtension": {"cache_bytes": cache_bytes, "max_workers": workers},
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


def tile_query(z: int, ty: int, tx: int) -> dict[str, str]:
    y0, x0 = ty * TILE, tx * TILE
    return {
        "path": "data.zarr",
        "level": "0",
        "sel": f"{z},{y0}:{y0 + TILE},{x0}:{x0 + TILE}",
    }


async def fetch_tile(session, url, query, encoding: str) -> int:
    async with session.get(url, params=query, headers={"Accept-Encoding": encoding}) as r:
        body = await r.read()
        if r.status != 200:
            raise RuntimeError(f"tile answered {r.status}: {body[:200]!r}")
        return len(body)


async def warm_tile_http(session, url, query, encoding: str, repeats: int) -> float:
    await fetch_tile(session, url, query, encoding)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        await fetch_tile(session, url, query, encoding)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def warm_tile_in_process(
    path: Path, query: dict[str, str], cache_bytes: int, repeats: int
) -> float:
    engine = Engine(cache_bytes=cache_bytes, max_workers=2)
    ds = engine.open(str(path))
    z, ys, xs = query["sel"].split(",")
    y0, y1 = (int(v) for v in ys.split(":"))
    x0, x1 = (int(v) for v in xs.split(":"))
    sel = (int(z), slice(y0, y1), slice(x0, x1))
    engine.read(ds, 0, sel)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = engine.read(ds, 0, sel)
        out.tobytes()  # what a transport does with it
        times.append(time.perf_counter() - t0)
    engine.executor.shutdown()
    return statistics.median(times)


async def load(session, url, status_url, clients: int, duration: float, shape) -> dict:
    stop = time.monotonic() + duration
    latencies: list[float] = []
    status_latencies: list[float] = []
    byte_count = 0
    grid = (shape[1] // TILE, shape[2] // TILE)

    async def client(seed: int) -> None:
        nonlocal byte_count
        rng = random.Random(seed)
        while time.monotonic() < stop:
            query = tile_query(
                rng.randrange(shape[0]), rng.randrange(grid[0]), rng.randrange(grid[1])
            )
            t0 = time.perf_counter()
            byte_count += await fetch_tile(session, url, query, "gzip, deflate")
            latencies.append(time.perf_counter() - t0)

    async def status_probe() -> None:
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            async with session.get(status_url) as r:
                await r.read()
                assert r.status == 200
            status_latencies.append(time.perf_counter() - t0)
            await asyncio.sleep(0.05)

    t0 = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)), status_probe())
    elapsed = time.perf_counter() - t0
    return {
        "tiles": len(latencies),
        "elapsed": elapsed,
        "latencies": latencies,
        "status": status_latencies,
        "bytes": byte_count,
    }


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) * 1000


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
        cache_bytes = args.cache_mib * 1024**2
        proc, log = start_server(root, work / "home", port, token, cache_bytes, args.workers)
        base = f"http://127.0.0.1:{port}/"
        url = base + "zarrview/api/v1/tile"
        connector = aiohttp.TCPConnector(limit=args.clients + 2)
        headers = {"Authorization": f"token {token}"}
        async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
            await wait_ready(session, base, proc)
            rss_before = _rss_mib(proc.pid)

            query = tile_query(shape[0] // 2, 1, 1)
            inproc = warm_tile_in_process(root / "data.zarr", query, cache_bytes, args.repeats)
            http_identity = await warm_tile_http(session, url, query, "identity", args.repeats)
            http_gzip = await warm_tile_http(session, url, query, "gzip, deflate", args.repeats)

            result = await load(
                session, url, base + "api/status", args.clients, args.duration, shape
            )
            rss_after = _rss_mib(proc.pid)

        tiles_per_s = result["tiles"] / result["elapsed"]
        wire_mb_s = result["bytes"] / result["elapsed"] / 1e6
        status_p95 = pct(result["status"], 95)
        ratio = http_identity / inproc
        growth = rss_after - rss_before
        lat = result["latencies"]
        lines = [
            (
                "clients / seconds / threads",
                f"{args.clients} / {args.duration:.0f} / {args.workers}",
            ),
            ("cache", f"{args.cache_mib} MiB"),
            ("tiles/s", f"{tiles_per_s:.1f} ({wire_mb_s:.1f} MB/s on the wire)"),
            ("tile latency p50 / p95", f"{pct(lat, 50):.1f} / {pct(lat, 95):.1f} ms"),
            (
                "/api/status p50 / p95 under load",
                f"{pct(result['status'], 50):.1f} / {status_p95:.1f} ms "
                f"({len(result['status'])} probes)",
            ),
            (
                "server RSS before / after",
                f"{rss_before:.1f} / {rss_after:.1f} MiB (growth {growth:.1f} MiB)",
            ),
            ("warm tile in-process", f"{inproc * 1000:.2f} ms"),
            ("warm tile HTTP identity", f"{http_identity * 1000:.2f} ms (ratio {ratio:.2f})"),
            ("warm tile HTTP gzip", f"{http_gzip * 1000:.2f} ms (ratio {http_gzip / inproc:.2f})"),
        ]
        for name, value in lines:
            print(f"{name:34} {value}")
        rss_bound = args.cache_mib + RSS_ALLOWANCE_MIB
        bars = {
            "warm tile over HTTP <= 1.5x in-process": ratio <= 1.5,
            "/api/status p95 < 50 ms": status_p95 < 50,
            f"RSS growth <= cache + {RSS_ALLOWANCE_MIB} MiB": growth <= rss_bound,
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
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--shape", default="64,2048,2048")
    parser.add_argument("--chunk", type=int, default=64)
    parser.add_argument("--cache-mib", type=int, default=256)
    parser.add_argument("--workers", type=int, default=4, help="the server's read threads")
    parser.add_argument("--repeats", type=int, default=30, help="sequential warm-tile requests")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data and logs")
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
