"""A soak of the server extension on loopback: mixed clients, abandoned requests, minutes of load.

    python benchmarks/soak.py [--duration 180] [--clients 8] [--cache-mib 256]

Writes four datasets in a temporary root dir: a 3-D uint16 Zarr v2 store in 64^3 chunks, a
3-D uint8 Zarr v3 store in shards of 64 x 512 x 512 (inner chunks 32 x 128 x 128), a small
OME-Zarr 0.5 image from ``jupyter_zarrview.sample_data`` and a smaller OME-Zarr 0.4 one in a
zip file. Starts ``jupyter server`` on 127.0.0.1
with a token, as ``load_http.py`` does, and for ``--duration`` seconds runs N clients that each,
at random:

- read tiles of any level of any dataset (some again, with ``If-None-Match``), checking the
  shape, the length and, every so often, every value against the same read in this process;
- ask for ``stats`` and ``info``;
- read plain Zarr keys through ``store/``: whole keys, ``Range`` requests (``a-b``, ``a-``,
  suffixes), ``HEAD``, revalidations, a range past the end (416), and on the sharded store a
  shard's index by a suffix range and then one inner chunk by the offsets it holds, each answer
  compared byte for byte with the file;
- abandon a request: close the connection before the answer starts, or halfway through it;

while one more client asks Jupyter's own ``/api/status`` every 50 ms. It prints what was done
and the bars: no 5xx (seen by the clients and counted by Jupyter's own ``/metrics``), every
answer as expected, no error in the server log, ``/api/status`` p95 < 50 ms, the server's open
file descriptors back to where they started once the load has settled, RSS growth within the
cache size plus 128 MiB, and the idle cost after it all: the server's CPU over an idle window
as a share of one core, the requests it answered then (none) and its RSS drift.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import math
import multiprocessing
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
import numpy as np
import zarr
import zarr.storage
from load_http import (
    BROWSER_ACCEPT,
    RSS_ALLOWANCE_MIB,
    _free_port,
    _rss_mib,
    answered,
    cpu_seconds,
    idle_cost,
    ms,
    open_fds,
    pct,
    start_server,
    wait_ready,
    write_dataset,
)
from numcodecs import Zstd

from jupyter_zarrview.sample_data import SampleSpec, write_sample_image

SHARDS = (64, 512, 512)
INNER = (32, 128, 128)
EMPTY = 2**64 - 1  # an inner chunk's offset and length in a shard index when it is absent
KINDS = {"tile": 50, "stats": 8, "info": 4, "store": 38}
MAX_RANGE = 256 * 1024
EXAMPLES = 5


@dataclass(frozen=True)
class Image:
    """A dataset as the clients see it: its path under the root and its levels."""

    path: str
    tile: int
    levels: list[dict[str, Any]]  # info's levels: path, shape, chunks
    dtype: str

    def open_level(self, root: Path, level: int) -> zarr.Array:
        """The level's array, opened here with zarr-python: what tiles are compared with."""
        sub = self.levels[level]["path"] or None
        if self.path.endswith(".zip"):
            store = zarr.storage.ZipStore(str(root / self.path), mode="r")
            return zarr.open_array(store=store, path=sub or "", mode="r")
        return zarr.open_array(str(root / self.path / (sub or "")), mode="r")


@dataclass(frozen=True)
class Key:
    """A file of a store, as a ``store/`` URL names it."""

    name: str  # relative to the root, "/"-separated
    size: int
    shard_index: int = 0  # bytes of its shard index at the end, for shards
    member: str | None = None  # for a key of a zip store: its name in the archive

    def read(self, root: Path, start: int, stop: int) -> bytes:
        if self.member is None:
            with open(root / self.name, "rb") as f:
                f.seek(start)
                return f.read(stop - start)
        archive = self.name[: -len(self.member) - 1]
        with zipfile.ZipFile(root / archive) as zf:
            return zf.read(self.member)[start:stop]


@dataclass
class Tally:
    """What the clients did and saw."""

    done: Counter[str] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    five_xx: int = 0
    unexpected: int = 0
    examples: list[str] = field(default_factory=list)
    transport: Counter[str] = field(default_factory=Counter)
    abandoned: Counter[str] = field(default_factory=Counter)
    verified: int = 0

    def record(self, kind: str, status: int, seconds: float) -> None:
        self.done[kind] += 1
        self.statuses[status] += 1
        self.five_xx += status >= 500
        self.latencies.setdefault(kind, []).append(seconds)

    def wrong(self, text: str) -> None:
        self.unexpected += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(text)


def write_datasets(root: Path) -> None:
    write_dataset(root / "v2_uint16.zarr", (128, 1024, 1024), 64, zarr_format=2)
    write_dataset(
        root / "sharded_uint8.zarr", (64, 2048, 2048), INNER, dtype="uint8", shards=SHARDS
    )
    write_sample_image(
        root / "cells.ome.zarr",
        SampleSpec(z=16, y=512, x=512, cells=20, levels=2, chunks=(8, 128, 128), ome_version="0.5"),
    )
    # A zip store (read by zarr-python, its keys served from the archive), written as RFC-9's
    # .ozx are: members stored uncompressed, metadata first.
    staging = write_sample_image(
        root.parent / "cells.ome.zarr",
        SampleSpec(z=8, y=384, x=384, cells=12, levels=2, chunks=(8, 128, 128), seed=1),
    )
    files = sorted(f for f in staging.rglob("*") if f.is_file())
    files.sort(key=lambda f: f.name not in (".zattrs", ".zgroup", ".zarray", "zarr.json"))
    with zipfile.ZipFile(root / "cells.ome.zip", "w", zipfile.ZIP_STORED) as zf:
        for file in files:
            zf.write(file, file.relative_to(staging).as_posix())
    shutil.rmtree(staging)


def store_keys(root: Path, image: Image) -> list[Key]:
    inner = math.prod(s // c for s, c in zip(SHARDS, INNER, strict=True))
    sharded = image.path.startswith("sharded")
    if image.path.endswith(".zip"):
        with zipfile.ZipFile(root / image.path) as zf:
            members = [i for i in zf.infolist() if not i.is_dir()]
        return [Key(f"{image.path}/{i.filename}", i.file_size, 0, i.filename) for i in members]
    out = []
    for file in sorted((root / image.path).rglob("*")):
        if not file.is_file():
            continue
        name = file.relative_to(root).as_posix()
        is_shard = sharded and "/c/" in name
        # A shard index: an offset and a length per inner chunk, then a CRC32C.
        out.append(Key(name, file.stat().st_size, inner * 16 + 4 if is_shard else 0))
    return out


class Soak:
    def __init__(self, args: argparse.Namespace, root: Path, base: str, token: str) -> None:
        self.args = args
        self.root = root
        self.base = base
        self.port = int(base.rsplit(":", 1)[1].strip("/"))
        self.token = token
        self.images: list[Image] = []
        self.keys: dict[str, list[Key]] = {}
        self.tally = Tally()
        self.status_latencies: list[float] = []
        self.status_bad = 0
        self.zstd = Zstd()

    # ---- set-up

    async def describe(self, session: aiohttp.ClientSession) -> None:
        tiles = {
            "v2_uint16.zarr": 512,
            "sharded_uint8.zarr": 512,
            "cells.ome.zarr": 256,
            "cells.ome.zip": 128,
        }
        for path, tile in tiles.items():
            async with session.get(self.base + "zarrview/api/v1/info", params={"path": path}) as r:
                info = await r.json()
                if r.status != 200:
                    raise RuntimeError(f"info of {path} answered {r.status}: {info}")
            image = Image(path, tile, info["levels"], info["dtype"])
            self.images.append(image)
            self.keys[path] = store_keys(self.root, image)
            # One tile and one key each, so every dataset is open before the first readings.
            async with session.get(
                self.base + "zarrview/api/v1/tile",
                params=self._tile_params(image, random.Random(0), level=0),
            ) as r:
                await r.read()
            async with session.get(self._store_url(self.keys[path][0])) as r:
                await r.read()

    # ---- requests

    def _tile_params(self, image: Image, rng: random.Random, level: int | None = None) -> dict:
        level = rng.randrange(len(image.levels)) if level is None else level
        shape = image.levels[level]["shape"]
        lead = [str(rng.randrange(n)) for n in shape[:-2]]
        t = image.tile
        ty, tx = rng.randrange(-(-shape[-2] // t)), rng.randrange(-(-shape[-1] // t))
        y = f"{ty * t}:{min(shape[-2], (ty + 1) * t)}"
        x = f"{tx * t}:{min(shape[-1], (tx + 1) * t)}"
        return {"path": image.path, "level": str(level), "sel": ",".join([*lead, y, x])}

    def _store_url(self, key: Key) -> str:
        return self.base + "zarrview/store/" + quote(key.name)

    def _decoded(self, body: bytes, encoding: str | None) -> bytes:
        if encoding == "zstd":
            return bytes(self.zstd.decode(body))
        if encoding == "gzip":
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        return body

    async def tile(self, session, rng: random.Random, seen: dict[str, tuple[dict, str]]) -> None:
        headers = {"Accept-Encoding": BROWSER_ACCEPT}
        if seen and rng.random() < 0.2:
            params, etag = rng.choice(list(seen.values()))
            headers["If-None-Match"] = etag
            kind = "tile again"
        else:
            image = rng.choice(self.images)
            params, kind = self._tile_params(image, rng), "tile"
        image = next(i for i in self.images if i.path == params["path"])
        t0 = time.perf_counter()
        async with session.get(
            self.base + "zarrview/api/v1/tile",
            params=params,
            headers=headers,
            auto_decompress=False,
        ) as r:
            body = await r.read()
            seconds = time.perf_counter() - t0
            self.tally.record(kind, r.status, seconds)
            if r.status == 304 and "If-None-Match" in headers:
                return
            if r.status != 200:
                self.tally.wrong(f"tile {params} answered {r.status}: {body[:120]!r}")
                return
            data = self._decoded(body, r.headers.get("Content-Encoding"))
            shape = tuple(int(n) for n in r.headers["X-Zarrview-Shape"].split(","))
            dtype = np.dtype(r.headers["X-Zarrview-Dtype"])
            etag = r.headers.get("ETag", "")
        want = _sel_shape(params["sel"])
        if (
            shape != want
            or dtype != np.dtype(image.dtype)
            or len(data) != dtype.itemsize * math.prod(shape)
        ):
            self.tally.wrong(f"tile {params}: shape {shape} {dtype}, {len(data)} bytes")
            return
        seen[params["sel"] + params["path"] + params["level"]] = (params, etag)
        if len(seen) > 64:
            seen.pop(next(iter(seen)))
        if rng.random() < 1 / self.args.verify_every:
            await self._verify_tile(image, params, np.frombuffer(data, dtype).reshape(shape))

    async def _verify_tile(self, image: Image, params: dict, got: np.ndarray) -> None:
        level = int(params["level"])
        sel = tuple(_sel_item(s) for s in params["sel"].split(","))

        def read() -> np.ndarray:
            return np.asarray(image.open_level(self.root, level)[sel])

        want = await asyncio.to_thread(read)
        self.tally.verified += 1
        if not np.array_equal(got, want):
            self.tally.wrong(f"tile {params}: values differ from the direct read")

    async def json_op(self, session, rng: random.Random, op: str) -> None:
        image = rng.choice(self.images)
        params: dict[str, str] = {"path": image.path}
        if op == "stats" and rng.random() < 0.5:
            params |= self._tile_params(image, rng)
            params["bins"] = str(rng.choice([16, 64, 256]))
        t0 = time.perf_counter()
        async with session.get(self.base + f"zarrview/api/v1/{op}", params=params) as r:
            body = await r.read()
            self.tally.record(op, r.status, time.perf_counter() - t0)
        if r.status != 200:
            self.tally.wrong(f"{op} {params} answered {r.status}: {body[:120]!r}")
            return
        answer = json.loads(body)
        if op == "stats" and not answer.get("channels"):
            self.tally.wrong(f"stats {params}: no channels in {body[:120]!r}")
        if op == "info" and answer.get("levels", [{}])[0].get("shape") != image.levels[0]["shape"]:
            self.tally.wrong(f"info {params}: levels {answer.get('levels')}")

    async def store(self, session, rng: random.Random, etags: dict[str, str]) -> None:
        key = rng.choice(self.keys[rng.choice(self.images).path])
        if key.shard_index and rng.random() < 0.7:
            await self._shard_read(session, key)
            return
        size = key.size
        variant = rng.choice(["range", "range", "suffix", "open", "head", "full", "again", "past"])
        if variant == "full" and size > 1024**2 and rng.random() > 0.1:
            variant = "range"  # whole shards now and then, not as often as small keys
        if variant == "again" and key.name not in etags:
            variant = "head"
        headers: dict[str, str] = {}
        start, stop, want = 0, size, 200
        if variant == "range":
            start = rng.randrange(size)
            stop = rng.randrange(start, min(size, start + MAX_RANGE)) + 1
            headers["Range"], want = f"bytes={start}-{stop - 1}", 206
        elif variant == "suffix":
            n = rng.randint(1, min(size, 64 * 1024))
            start, headers["Range"], want = size - n, f"bytes=-{n}", 206
        elif variant == "open":
            start = size - rng.randint(1, min(size, 64 * 1024))
            headers["Range"], want = f"bytes={start}-", 206
        elif variant == "again":
            headers["If-None-Match"], want = etags[key.name], 304
        elif variant == "past":
            headers["Range"], want = f"bytes={size + 10}-", 416
        method = "HEAD" if variant == "head" else "GET"
        body, status, got_headers = await self._timed(session, method, key, headers, "store")
        if status != want:
            self.tally.wrong(f"{method} {key.name} {headers} answered {status}, not {want}")
            return
        if "ETag" in got_headers:
            etags[key.name] = got_headers["ETag"]
        if want == 416:
            if got_headers.get("Content-Range") != f"bytes */{size}":
                self.tally.wrong(f"416 for {key.name}: {got_headers.get('Content-Range')}")
        elif method == "HEAD":
            if got_headers.get("Content-Length") != str(size) or body:
                self.tally.wrong(f"HEAD {key.name}: {got_headers.get('Content-Length')}")
        elif want != 304:
            self._check_bytes(key, start, stop, body, got_headers, want)

    async def _shard_read(self, session, key: Key) -> None:
        headers = {"Range": f"bytes=-{key.shard_index}"}
        body, status, got = await self._timed(session, "GET", key, headers, "store")
        if status != 206 or len(body) != key.shard_index:
            self.tally.wrong(f"shard index of {key.name}: {status}, {len(body)} bytes")
            return
        self._check_bytes(key, key.size - key.shard_index, key.size, body, got, 206)
        index = np.frombuffer(body[:-4], dtype="<u8").reshape(-1, 2)
        present = index[index[:, 0] != EMPTY]
        if not len(present):
            return
        offset, length = (int(v) for v in present[random.randrange(len(present))])
        headers = {"Range": f"bytes={offset}-{offset + length - 1}"}
        body, status, got = await self._timed(session, "GET", key, headers, "store")
        if status != 206:
            self.tally.wrong(f"inner chunk of {key.name} answered {status}")
            return
        self._check_bytes(key, offset, offset + length, body, got, 206)

    async def _timed(self, session, method: str, key: Key, headers: dict, kind: str):
        t0 = time.perf_counter()
        async with session.request(method, self._store_url(key), headers=headers) as r:
            body = await r.read()
            self.tally.record(kind, r.status, time.perf_counter() - t0)
            return body, r.status, r.headers

    def _check_bytes(self, key: Key, start: int, stop: int, body: bytes, headers, status: int):
        want = key.read(self.root, start, stop)
        if body != want:
            self.tally.wrong(f"{key.name} [{start}:{stop}]: {len(body)} bytes, not the file's")
        elif (
            status == 206 and headers.get("Content-Range") != f"bytes {start}-{stop - 1}/{key.size}"
        ):
            self.tally.wrong(f"{key.name}: Content-Range {headers.get('Content-Range')}")

    async def abandon(self, rng: random.Random) -> None:
        """A request whose client goes away: before the answer starts, or halfway through it."""
        image = rng.choice(self.images)
        what = rng.choice(["tile", "stats", "store"])
        if what == "store":
            key = max(rng.sample(self.keys[image.path], 3), key=lambda k: k.size)
            target = "/zarrview/store/" + quote(key.name)
        else:
            target = f"/zarrview/api/v1/{what}?" + urlencode(self._tile_params(image, rng))
        when = rng.choice(["before the answer", "halfway"])
        request = (
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Authorization: token {self.token}\r\nAccept-Encoding: identity\r\n\r\n"
        ).encode()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # A small receive buffer, so a large answer cannot all be in this end's kernel already.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        sock.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", self.port))
        except OSError:
            sock.close()
            raise
        reader, writer = await asyncio.open_connection(sock=sock)
        try:
            writer.write(request)
            await writer.drain()
            if when == "before the answer":
                await asyncio.sleep(rng.uniform(0, 0.03))
            else:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
                status = int(head.split(b" ", 2)[1])
                self.tally.five_xx += status >= 500
                if status >= 500:
                    self.tally.wrong(f"abandoned {target} answered {status}")
                await reader.read(rng.randint(1, 16 * 1024))
        finally:
            if rng.random() < 0.5:
                writer.transport.abort()  # a reset, as a killed tab sends
            else:
                writer.close()
        self.tally.abandoned[f"{what}, {when}"] += 1

    # ---- the load

    async def client(self, session, seed: int, stop: float) -> None:
        rng = random.Random(seed)
        seen: dict[str, tuple[dict, str]] = {}
        etags: dict[str, str] = {}
        kinds, weights = list(KINDS), list(KINDS.values())
        while time.monotonic() < stop:
            try:
                if rng.random() < self.args.abandon_share:
                    await self.abandon(rng)
                    continue
                kind = rng.choices(kinds, weights)[0]
                if kind == "tile":
                    await self.tile(session, rng, seen)
                elif kind == "store":
                    await self.store(session, rng, etags)
                else:
                    await self.json_op(session, rng, kind)
            except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
                self.tally.transport[type(exc).__name__] += 1
                if len(self.tally.examples) < EXAMPLES:
                    self.tally.examples.append(f"{type(exc).__name__}: {exc}")


def status_probe(port: int, token: str, seconds: float) -> tuple[list[float], int]:
    """``/api/status`` every 50 ms for ``seconds``: latencies, and how many answers were not 200.

    Runs in a process of its own, so the clients' work in this one (decoding, comparing) does
    not count as the server's latency.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"token {token}"}
    latencies: list[float] = []
    bad = 0
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        t0 = time.perf_counter()
        conn.request("GET", "/api/status", headers=headers)
        answer = conn.getresponse()
        answer.read()
        latencies.append(time.perf_counter() - t0)
        bad += answer.status != 200
        time.sleep(0.05)
    conn.close()
    return latencies, bad


def _sel_item(text: str) -> int | slice:
    if ":" not in text:
        return int(text)
    start, stop = text.split(":")
    return slice(int(start), int(stop))


def _sel_shape(sel: str) -> tuple[int, ...]:
    return tuple(s.stop - s.start for s in map(_sel_item, sel.split(",")) if isinstance(s, slice))


def loop_thread_schedule(pid: int) -> tuple[float, float, int]:
    """Seconds the server's main thread (its IO loop) ran and waited, runnable, for a CPU; turns.

    The wait is the machine's share of a request's latency: time the loop was ready to answer
    and no CPU was free (other processes, or the server's own reader threads).
    """
    ran, waited, turns = Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()
    return int(ran) / 1e9, int(waited) / 1e9, int(turns)


async def monitor(pid: int, stop: float, samples: list[tuple[float, int, float]]) -> None:
    t0 = time.monotonic()
    while time.monotonic() < stop:
        samples.append((time.monotonic() - t0, open_fds(pid), _rss_mib(pid)))
        await asyncio.sleep(2)


def log_errors(path: Path) -> list[str]:
    """The server log's error lines (Jupyter's ``[E …]`` and tracebacks)."""
    lines = path.read_text(errors="replace").splitlines()
    return [line for line in lines if line.startswith("[E ") or line.startswith("Traceback")]


async def run(args: argparse.Namespace) -> int:
    work = Path(tempfile.mkdtemp(prefix="zarrview-soak-"))
    proc = log = None
    try:
        root = work / "root"
        root.mkdir()
        t0 = time.perf_counter()
        write_datasets(root)
        print(f"datasets written in {time.perf_counter() - t0:.1f} s")

        port, token = _free_port(), secrets.token_hex(16)
        proc, log = start_server(root, work / "home", port, token, args)
        pid = proc.pid
        base = f"http://127.0.0.1:{port}/"
        soak = Soak(args, root, base, token)
        headers = {"Authorization": f"token {token}"}
        timeout = aiohttp.ClientTimeout(total=args.timeout)
        control = aiohttp.ClientSession(headers=headers, connector=aiohttp.TCPConnector(limit=1))
        async with control:
            await wait_ready(control, base, proc)
            await soak.describe(control)
            counts_before = await answered(control, base)
            await asyncio.sleep(1)
            fds_start, rss_start = open_fds(pid), _rss_mib(pid)

            samples: list[tuple[float, int, float]] = []
            load = aiohttp.ClientSession(
                headers=headers,
                timeout=timeout,
                connector=aiohttp.TCPConnector(limit=args.clients),
            )
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(1, mp_context=spawn) as pool:
                loop = asyncio.get_running_loop()
                # The same probe with nobody else asking: what this machine gives the server
                # anyway, against which the figure under load is read (on a shared machine,
                # other work moves both).
                floor, _ = await loop.run_in_executor(pool, status_probe, port, token, args.floor)
                stop = time.monotonic() + args.duration
                async with load:
                    t_load, cpu_load = time.perf_counter(), cpu_seconds(pid)
                    sched_load = loop_thread_schedule(pid)
                    own_cpu, load_avg = time.process_time(), os.getloadavg()[0]
                    _, (soak.status_latencies, soak.status_bad), _ = await asyncio.gather(
                        asyncio.gather(
                            *(soak.client(load, seed, stop) for seed in range(args.clients))
                        ),
                        loop.run_in_executor(pool, status_probe, port, token, args.duration),
                        monitor(pid, stop, samples),
                    )
                    elapsed = time.perf_counter() - t_load
                    server_share = (cpu_seconds(pid) - cpu_load) / elapsed
                    ran, waited, wakeups = (
                        b - a for a, b in zip(sched_load, loop_thread_schedule(pid), strict=True)
                    )
                    own_share = (time.process_time() - own_cpu) / elapsed
                    load_avg = max(load_avg, os.getloadavg()[0])
            fds_loaded, rss_loaded = open_fds(pid), _rss_mib(pid)
            # Connections closing and freed memory going back (trim_memory_interval) take a
            # moment: what is left after that is what the load left behind.
            await asyncio.sleep(args.settle)
            fds_end, rss_end = open_fds(pid), _rss_mib(pid)
            counts_after = await answered(control, base)
            idle = await idle_cost(control, base, pid, args.idle)
        server_counts = Counter(counts_after)
        server_counts.subtract(counts_before)
        server_5xx = sum(n for (_, status), n in server_counts.items() if status.startswith("5"))
        errors = log_errors(work / "home" / "server.log")

        tally = soak.tally
        total = sum(tally.done.values()) + sum(tally.abandoned.values())
        print(f"{args.clients} clients for {elapsed:.0f} s; server: {args.workers} read threads,")
        print(f"{args.cache_mib} MiB cache; datasets: {', '.join(i.path for i in soak.images)}")
        print(f"  CPU, share of a core          server {server_share:.2f}, clients {own_share:.2f}")
        print(f"  machine load average          {load_avg:.1f} ({os.cpu_count()} CPUs)")
        print(
            f"  server's IO loop thread       on a CPU {ran / elapsed:.0%} of the time, waiting"
            f" for one {waited / elapsed:.0%} ({waited / max(wakeups, 1) * 1000:.2f} ms a turn)"
        )
        print(f"  requests                      {total} ({total / elapsed:.1f}/s)")
        for kind, n in sorted(tally.done.items()):
            lat = tally.latencies[kind]
            print(f"    {kind:36}{n:6}  p50 {ms(pct(lat, 50))}, p95 {ms(pct(lat, 95))}")
        for what, n in sorted(tally.abandoned.items()):
            print(f"    {'abandoned, ' + what:36}{n:6}")
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses.items()))
        print(f"  statuses                      {statuses}")
        print(f"  tiles compared value by value {tally.verified}")
        print(f"  unexpected answers            {tally.unexpected}")
        for text in tally.examples:
            print(f"    {text}")
        if tally.transport:
            print(f"  transport errors              {dict(tally.transport)}")
        print(f"  5xx seen / counted by Jupyter {tally.five_xx} / {server_5xx}")
        print(f"  server log errors             {len(errors)}")
        for line in dict.fromkeys(errors[:EXAMPLES]):
            print(f"    {line[:160]}")
        status = soak.status_latencies
        print(
            f"  /api/status p50 / p95, idle   {ms(pct(floor, 50))} / {ms(pct(floor, 95))}"
            f" ({len(floor)} probes before the load)"
        )
        print(
            f"  /api/status p50 / p95, load   {ms(pct(status, 50))} / {ms(pct(status, 95))}"
            f" ({len(status)} probes, {soak.status_bad} not 200)"
        )
        peak_fds = max(s[1] for s in samples)
        peak_rss = max(s[2] for s in samples)
        print("  server fds   start / end of load / settled / peak")
        print(
            f"                                {fds_start} / {fds_loaded} / {fds_end} / {peak_fds}"
        )
        print("  server RSS   start / end of load / settled / peak")
        rss = f"{rss_start:.0f} / {rss_loaded:.0f} / {rss_end:.0f} / {peak_rss:.0f} MiB"
        print(f"                                {rss}")
        minute = [s for i, s in enumerate(samples) if i % 30 == 0]
        trail = ", ".join(f"{t:.0f}s {f} fds {r:.0f} MiB" for t, f, r in minute)
        print(f"  over time                     {trail}")
        for line in idle.lines():
            print(line)

        growth = rss_end - rss_start
        bars = {
            "no 5xx": tally.five_xx == 0 and server_5xx == 0 and soak.status_bad == 0,
            "every answer as expected": tally.unexpected == 0 and not tally.transport,
            "no error in the server log": not errors,
            "/api/status p95 < 50 ms": pct(status, 95) < 0.050,
            "open fds back to the start": fds_end <= fds_start,
            f"RSS growth <= cache + {RSS_ALLOWANCE_MIB} MiB": growth
            <= args.cache_mib + RSS_ALLOWANCE_MIB,
            **idle.bars(),
        }
        for name, ok in bars.items():
            print(f"{'PASS' if ok else 'FAIL'}  {name}")
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
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--cache-mib", type=int, default=256)
    parser.add_argument("--workers", type=int, default=4, help="the server's read threads")
    parser.add_argument(
        "--abandon-share", type=float, default=0.15, help="share of requests abandoned"
    )
    parser.add_argument(
        "--verify-every", type=int, default=25, help="compare about one tile in this many"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a request may take")
    parser.add_argument(
        "--trim-interval", type=float, default=10.0, help="the server's trim_memory_interval"
    )
    parser.add_argument(
        "--settle", type=float, default=12.0, help="seconds idle before the end readings"
    )
    parser.add_argument("--idle", type=float, default=15.0, help="seconds of the idle window")
    parser.add_argument(
        "--floor", type=float, default=10.0, help="seconds of /api/status probes before the load"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data and logs")
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
