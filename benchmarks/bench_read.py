"""Plane and tile reads: the engine against zarr-python and tensorstore, in one run.

Two stores: (a) 3-D uint16, 64^3 chunks, zarr v2 blosc; (b) 3-D uint8, zarr v3 sharded
(64 x 512 x 512 shards of 64^3 chunks). For each: a 1024 x 1024 plane and a 512 x 512 tile,
cold (fresh handles and caches, a z plane no reader has read yet) and warm (the same read again
on warm handles). Opening is not timed for anyone. Prints medians in ms and ratios to
tensorstore; the engine's bar is 1.3x tensorstore's time, cold and warm, on both stores.

    python benchmarks/bench_read.py [--reps 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import tensorstore as ts
import zarr
from zarr.codecs import BloscCodec, ShardingCodec

from jupyter_zarrview.engine import Engine

if TYPE_CHECKING:
    from collections.abc import Callable

SHAPE = (128, 1024, 1024)
PLANE = (slice(0, 1024), slice(0, 1024))
TILE = (slice(256, 768), slice(512, 1024))


def write_stores(root: Path) -> dict[str, tuple[Path, str]]:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:1024, 0:1024]
    v2 = zarr.create_array(
        str(root / "v2.zarr"), shape=SHAPE, chunks=(64, 64, 64), dtype="uint16", zarr_format=2
    )
    v3 = zarr.create_array(
        str(root / "v3.zarr"),
        shape=SHAPE,
        chunks=(64, 512, 512),
        dtype="uint8",
        zarr_format=3,
        serializer=ShardingCodec(
            chunk_shape=(64, 64, 64), codecs=[{"name": "bytes"}, BloscCodec()]
        ),
        compressors=None,
    )
    for z0 in range(0, SHAPE[0], 64):
        block = np.stack(
            [
                1000
                + 800 * np.sin((xx + 3 * z) / 40) * np.cos(yy / 55)
                + rng.normal(0, 30, xx.shape)
                for z in range(z0, z0 + 64)
            ]
        ).astype(np.uint16)
        v2[z0 : z0 + 64] = block
        v3[z0 : z0 + 64] = (block // 16).astype(np.uint8)
    return {
        "v2 blosc uint16": (root / "v2.zarr", "zarr"),
        "v3 sharded uint8": (root / "v3.zarr", "zarr3"),
    }


def tensorstore_open(path: Path, driver: str) -> ts.TensorStore:
    spec = {"driver": driver, "kvstore": {"driver": "file", "path": str(path) + "/"}}
    context = ts.Context({"cache_pool": {"total_bytes_limit": 256 * 2**20}})
    return ts.open(spec, read=True, context=context).result()


def readers(path: Path, driver: str) -> dict[str, Callable[[], Callable[[int, tuple], np.ndarray]]]:
    """Each entry opens fresh handles (untimed) and returns the timed read."""

    def engine() -> Callable[[int, tuple], np.ndarray]:
        ds = Engine(cache_bytes=512 * 2**20).open(path)
        return lambda z, region: ds.read(0, (z, *region))

    def zarr_python() -> Callable[[int, tuple], np.ndarray]:
        array = zarr.open_array(str(path), mode="r")
        return lambda z, region: array[(z, *region)]

    def tensorstore() -> Callable[[int, tuple], np.ndarray]:
        store = tensorstore_open(path, driver)
        return lambda z, region: store[(z, *region)].read().result()

    return {"engine": engine, "zarr-python": zarr_python, "tensorstore": tensorstore}


def timed(read: Callable[[int, tuple], np.ndarray], z: int, region: tuple) -> float:
    start = time.perf_counter()
    read(z, region)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="zarrview-bench-read-"))
    print("writing the stores...", flush=True)
    stores = write_stores(root)
    rows = []
    for store_name, (path, driver) in stores.items():
        for region_name, region in (("1024x1024 plane", PLANE), ("512x512 tile", TILE)):
            medians: dict[tuple[str, str], float] = {}
            for reader_name, make in readers(path, driver).items():
                cold = []
                for rep in range(args.reps):
                    read = make()
                    # A different slab each time, so no reader finds it in a cache of its own;
                    # the OS page cache is warmed for all by the store having just been written.
                    z = (rep * 64 + 7) % SHAPE[0] + (rep // 2)
                    cold.append(timed(read, z, region))
                read = make()
                read(3, region)
                warm = [timed(read, 3, region) for _ in range(args.reps)]
                medians[(reader_name, "cold")] = statistics.median(cold)
                medians[(reader_name, "warm")] = statistics.median(warm)
            for mode in ("cold", "warm"):
                e, z_, t = (
                    medians[(r, mode)] * 1e3 for r in ("engine", "zarr-python", "tensorstore")
                )
                rows.append((store_name, region_name, mode, e, z_, t, e / t, z_ / t))
    header = ("store", "region", "cache", "engine ms", "zarr ms", "ts ms", "engine/ts", "zarr/ts")
    print(f"{header[0]:<18}{header[1]:<17}{header[2]:<6}" + "".join(f"{h:>11}" for h in header[3:]))
    for row in rows:
        print(
            f"{row[0]:<18}{row[1]:<17}{row[2]:<6}"
            + "".join(f"{v:>11.2f}" for v in row[3:6])
            + "".join(f"{v:>11.2f}" for v in row[6:])
        )
    worst = max(row[6] for row in rows)
    print(
        f"worst engine/tensorstore ratio: {worst:.2f} (bar: <= 1.30) -> "
        f"{'holds' if worst <= 1.3 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
