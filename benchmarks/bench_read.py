"""Cold plane reads in fresh processes: the engine against tensorstore's own, read for read.

The engine keeps what it has opened, so a second read in one process is warm. Each round
therefore starts two fresh processes, which read both stores: one through the engine
(``Engine().open``, then ``Engine.read`` of the selection text the server reads for a plane,
parsed as the server parses it), one through tensorstore directly (``ts.open`` of the zarr /
zarr3 driver, no cache pool, ``.read().result()``); which goes first alternates round by round.
Opening is timed apart from reading. For each store the engine reads every plane once ("cold",
the sum of those reads), the same planes again ("warm") and the three planes after each
("scrub", what moving through a chunk slab asks for). Tensorstore reads the planes once without
a cache ("ts"), then all of it again through a second handle with a cache pool the size of the
engine's, from empty ("ts+cache").

Stores, written once in a temporary folder:

- v3 sharded uint8, 12 x 1024 x 1024, shards of 4 planes, inner chunks 1 x 128 x 128: every
  plane is read;
- v2 blosc-zstd uint16, 128 x 1024 x 1024 in 64^3 chunks: two planes in different slabs.

Prints medians of wall time and of the reading process's CPU time, the engine's ratios, and the
bar: 1.3x in both, cold against tensorstore without a cache, warm against tensorstore with
one. After the first round's reads each process also waits 3 s idle and reports the CPU it used
meanwhile, its live threads and its RSS, so that a reader that keeps spinning or holding memory
shows.

    python benchmarks/bench_read.py [--rounds 9]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BAR = 1.3
PLANE_SIZE = 1024
READERS = ("engine", "tensorstore")
IDLE_SECONDS = 3.0


# -- the stores ------------------------------------------------------------------------------
def write_stores(root: Path) -> dict[str, dict[str, Any]]:
    import numpy as np
    import zarr
    from numcodecs import Blosc
    from zarr.codecs import BloscCodec

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:PLANE_SIZE, 0:PLANE_SIZE].astype(np.float32)
    pattern = 800 * np.sin(xx / 40) * np.cos(yy / 55)

    def planes(z0: int, z1: int) -> np.ndarray:
        # A smooth pattern that drifts with z, plus noise: about what a microscope writes, and
        # what makes blosc-zstd work rather than skip.
        out = np.empty((z1 - z0, PLANE_SIZE, PLANE_SIZE), np.uint16)
        for z in range(z0, z1):
            noise = rng.integers(0, 60, size=pattern.shape, dtype=np.uint16)
            out[z - z0] = np.roll(pattern, 3 * z, axis=1).astype(np.uint16) + 1000 + noise
        return out

    v3 = zarr.create_array(
        str(root / "v3.zarr"),
        shape=(12, PLANE_SIZE, PLANE_SIZE),
        shards=(4, PLANE_SIZE, PLANE_SIZE),
        chunks=(1, 128, 128),
        dtype="uint8",
        zarr_format=3,
        compressors=BloscCodec(cname="zstd", clevel=3, shuffle="bitshuffle"),
    )
    v3[:] = (planes(0, 12) // 16).astype(np.uint8)
    v2 = zarr.create_array(
        str(root / "v2.zarr"),
        shape=(128, PLANE_SIZE, PLANE_SIZE),
        chunks=(64, 64, 64),
        dtype="uint16",
        zarr_format=2,
        compressors=Blosc(cname="zstd", clevel=3, shuffle=Blosc.SHUFFLE),
    )
    for z0 in (0, 64):
        v2[z0 : z0 + 64] = planes(z0, z0 + 64)
    # v3: every plane. v2: one plane in each 64-deep slab.
    return {
        "v3 sharded uint8": {
            "path": str(root / "v3.zarr"),
            "driver": "zarr3",
            "depth": 12,
            "planes": list(range(12)),
        },
        "v2 blosc-zstd uint16": {
            "path": str(root / "v2.zarr"),
            "driver": "zarr",
            "depth": 128,
            "planes": [7, 94],
        },
    }


# -- one fresh process -----------------------------------------------------------------------
def proc_status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def index(text: str) -> tuple[int | slice, ...]:
    """``"3,0:1024,0:1024"`` as a tensorstore index."""
    z, y, x = text.split(",")
    return (int(z), slice(*map(int, y.split(":"))), slice(*map(int, x.split(":"))))


def tensorstore_open(spec: dict[str, Any], context: Any) -> Any:
    import tensorstore as ts

    kvstore = {"driver": "file", "path": spec["path"] + "/"}
    return ts.open(
        {"driver": spec["driver"], "kvstore": kvstore}, read=True, context=context
    ).result()


def worker(reader: str, specs: dict[str, dict[str, Any]], idle: bool) -> dict[str, Any]:
    """One fresh process's figures for each store ({row: seconds}), and its idle cost."""
    import numpy as np
    import tensorstore as ts

    if reader == "engine":
        from jupyter_zarrview.engine import Engine  # imported before any clock starts

        engine = Engine()
    out: dict[str, Any] = {}
    for name, spec in specs.items():
        figures = out[name] = {}
        planes = spec["planes"]
        texts = [f"{z},0:{PLANE_SIZE},0:{PLANE_SIZE}" for z in planes]
        # A scrub from each plane read: the three planes after it, as the viewer moves and
        # reads ahead (v3's planes are all read cold already).
        after = [z + d for z in planes for d in (1, 2, 3) if z + d < spec["depth"]]
        scrub = [f"{z},0:{PLANE_SIZE},0:{PLANE_SIZE}" for z in after if z not in planes]

        def timed(row: str, read: Any, which: list[str], figures: dict = figures) -> list:
            wall, arrays = 0.0, []
            cpu0 = time.process_time()
            for text in which:
                t0 = time.perf_counter()
                arrays.append(read(text))
                wall += time.perf_counter() - t0
            figures[row], figures[row + " CPU"] = wall, time.process_time() - cpu0
            return arrays

        t0 = time.perf_counter()
        if reader == "engine":
            dataset = engine.open(spec["path"])
            figures["open"] = time.perf_counter() - t0

            def read(text: str, dataset: Any = dataset) -> np.ndarray:
                return engine.read(dataset, 0, text)

            arrays = timed("cold", read, texts)
            timed("warm", read, texts)
            suffix = ""
        else:
            store = tensorstore_open(spec, ts.Context())
            figures["open"] = time.perf_counter() - t0
            arrays = timed("cold", lambda t, s=store: s[index(t)].read().result(), texts)
            # The same reads through a cache pool the size of the engine's, from empty.
            context = ts.Context({"cache_pool": {"total_bytes_limit": 256 * 2**20}})
            cached = tensorstore_open(spec, context)

            def read(text: str, cached: Any = cached) -> np.ndarray:
                return cached[index(text)].read().result()

            timed("cold, cache pool", read, texts)
            timed("warm, cache pool", read, texts)
            suffix = ", cache pool"
        if scrub:
            timed("scrub" + suffix, read, scrub)
            for unit in ("", " CPU"):
                figures["cold+scrub" + suffix + unit] = (
                    figures["cold" + suffix + unit] + figures["scrub" + suffix + unit]
                )
        figures["checksum"] = int(sum(int(a.astype(np.uint64).sum()) for a in arrays))
    if idle:
        cpu0 = time.process_time()
        time.sleep(IDLE_SECONDS)
        out["idle"] = {
            "CPU": time.process_time() - cpu0,
            "threads": proc_status("Threads"),
            "RSS MB": proc_status("VmRSS") / 1024,
        }
    return out


def run_worker(reader: str, specs: dict[str, dict[str, Any]], idle: bool) -> dict[str, Any]:
    args = [sys.executable, __file__, "--worker", reader, "--spec", json.dumps(specs)]
    if idle:
        args.append("--idle")
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{reader} worker failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the report ------------------------------------------------------------------------------
# Each row, and which tensorstore column its bar is against: a cold read against tensorstore
# with no cache (how the issue was measured), a warm one against tensorstore with a cache pool.
ROWS = (
    ("open", None),
    ("cold", "ts"),
    ("cold CPU", "ts"),
    ("warm", "ts+cache"),
    ("warm CPU", "ts+cache"),
    ("scrub", None),
    ("scrub CPU", None),
    ("cold+scrub", None),
    ("cold+scrub CPU", None),
)


def cache_pool_key(row: str) -> str:
    """``"cold CPU"`` -> ``"cold, cache pool CPU"``: the same figure through a cache pool."""
    first, _, rest = row.partition(" ")
    return f"{first}, cache pool" + (f" {rest}" if rest else "")


def idle_line(reader: str, idle: dict[str, Any]) -> str:
    return (
        f"  idle {reader:<12} {idle['CPU'] * 1e3:.1f} ms CPU in {IDLE_SECONDS:.0f} s, "
        f"{idle['threads']} threads, RSS {idle['RSS MB']:.0f} MB"
    )


def report(name: str, results: dict[str, list[dict[str, Any]]]) -> dict[str, list[float]]:
    """Prints one store's table; returns the ratios that have a bar, of wall and of CPU time."""

    def med(reader: str, key: str) -> float | None:
        values = [r[key] for r in results[reader] if key in r]
        return statistics.median(values) * 1e3 if values else None

    def cell(value: float | None, width: int, digits: int) -> str:
        return f"{value:>{width}.{digits}f}" if value is not None else f"{'-':>{width}}"

    if len({r["checksum"] for reader in READERS for r in results[reader]}) != 1:
        raise RuntimeError(f"{name}: the readers disagree on the pixels")
    print(f"\n{name}: medians over {len(results['engine'])} rounds of the summed reads, ms")
    print(f"  {'':<16}{'engine':>9}{'ts':>9}{'ts+cache':>10}{'engine/ts':>11}{'/ts+cache':>11}")
    barred: dict[str, list[float]] = {"wall": [], "CPU": []}
    for row, bar in ROWS:
        engine = med("engine", row)
        if engine is None:
            continue
        columns = {
            "ts": med("tensorstore", row),
            "ts+cache": med("tensorstore", cache_pool_key(row)),
        }
        ratios = {k: engine / v if v else None for k, v in columns.items()}
        print(
            f"  {row:<16}{cell(engine, 9, 1)}{cell(columns['ts'], 9, 1)}"
            f"{cell(columns['ts+cache'], 10, 1)}{cell(ratios['ts'], 11, 2)}"
            f"{cell(ratios['ts+cache'], 11, 2)}" + (f"  <- bar vs {bar}" if bar else "")
        )
        ratio = ratios[bar] if bar else None
        if ratio is not None:
            barred["CPU" if row.endswith("CPU") else "wall"].append(ratio)
    return barred


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--worker", choices=READERS)
    parser.add_argument("--spec")
    parser.add_argument("--idle", action="store_true")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, json.loads(args.spec), args.idle)))
        return
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="zarrview-bench-read-") as tmp:
        print("writing the stores...", flush=True)
        stores = write_stores(Path(tmp))
        runs: dict[str, list[dict[str, Any]]] = {r: [] for r in READERS}
        for round_ in range(args.rounds):
            for reader in READERS if round_ % 2 == 0 else READERS[::-1]:
                runs[reader].append(run_worker(reader, stores, idle=round_ == 0))
            print(f"round {round_ + 1}/{args.rounds} done", flush=True)
    barred = [report(name, {r: [run[name] for run in runs[r]] for r in READERS}) for name in stores]
    print("\nafter the first round's reads, then 3 s idle:")
    for reader in READERS:
        print(idle_line(reader, runs[reader][0]["idle"]))
    worst = {kind: max(r for b in barred for r in b[kind]) for kind in ("wall", "CPU")}
    # Both must hold: on a shared machine a busy neighbour stretches every wall time alike and
    # hides a gap that the readers' own CPU time still shows.
    verdict = "PASS" if max(worst.values()) <= BAR else "FAIL"
    print(
        f"\nworst engine ratio, cold and warm: {worst['wall']:.2f} in wall time, "
        f"{worst['CPU']:.2f} in CPU time"
    )
    print(f"bar: <= {BAR:.2f}x in both -> {verdict}")
    print(f"({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
