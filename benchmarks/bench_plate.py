"""Time and requests to a whole 384-well plate on screen, in a real browser (loopback, bounded).

Writes a 16 x 24 OME-NGFF 0.4 plate, one 256 x 256 uint16 field per well with 2 levels, starts
JupyterLab on 127.0.0.1, opens the plate in a ZarrView tab (fitted: the whole plate on screen)
and measures, in the page, the time from the open command to the first complete mosaic (the
viewer's data-state idle) and the tile requests it cost. Beside it, in the same run, the direct
read it competes with: every well's coarsest field read with zarr-python, one after another, as
a viewer that asks for each well on its own would. Then the idle cost: requests and server CPU
over a window in which nobody touches the page.

    python benchmarks/bench_plate.py [--idle 10]

Bars: the first complete mosaic in under 2 s, in fewer requests than wells.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import zarr
from lab_server import CHROMIUM_ARGS, running_lab
from load_http import cpu_seconds
from playwright.sync_api import sync_playwright

ROWS = [chr(ord("A") + i) for i in range(16)]
COLUMNS = [str(j + 1) for j in range(24)]
FIELD = 256


def _image_attrs() -> dict:
    axes = [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}]
    datasets = [
        {"path": str(i), "coordinateTransformations": [{"type": "scale", "scale": [2.0**i] * 2}]}
        for i in range(2)
    ]
    return {"multiscales": [{"version": "0.4", "axes": axes, "datasets": datasets}]}


def make_plate(root: Path) -> Path:
    """The plate as OME-NGFF 0.4 lays it out (zarr v2, '/'-separated chunk keys)."""
    path = root / "plate.ome.zarr"
    plate = zarr.open_group(str(path), mode="w", zarr_format=2)
    wells = [f"{r}/{c}" for r in ROWS for c in COLUMNS]
    plate.attrs["plate"] = {
        "version": "0.4",
        "name": "bench",
        "rows": [{"name": r} for r in ROWS],
        "columns": [{"name": c} for c in COLUMNS],
        "wells": [
            {
                "path": w,
                "rowIndex": ROWS.index(w.split("/")[0]),
                "columnIndex": int(w.split("/")[1]) - 1,
            }
            for w in wells
        ],
        "field_count": 1,
    }
    yy, xx = np.mgrid[0:FIELD, 0:FIELD]
    layout = {"chunk_key_encoding": {"name": "v2", "separator": "/"}}
    for k, well in enumerate(wells):
        group = plate.require_group(well)
        group.attrs["well"] = {"version": "0.4", "images": [{"path": "0"}]}
        field = group.require_group("0")
        field.attrs.update(_image_attrs())
        level = (1000 + 800 * np.sin((xx + 7 * k) / 20) * np.cos(yy / 25)).astype(np.uint16)
        for i in range(2):
            arr = field.create_array(
                str(i), shape=level.shape, chunks=level.shape, dtype="uint16", **layout
            )
            arr[...] = level
            level = level[::2, ::2]
    return path


def direct_read(path: Path) -> float:
    """Every well's coarsest field, read one after another in a fresh process (cold)."""
    code = (
        "import sys, time, zarr\n"
        "t = time.perf_counter()\n"
        "plate = zarr.open_group(sys.argv[1], mode='r')\n"
        "for w in plate.attrs['plate']['wells']:\n"
        "    plate[w['path'] + '/0/1'][...]\n"
        "print(time.perf_counter() - t)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of the idle window")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="zarrview-bench-"))
    t = time.perf_counter()
    store = make_plate(root)
    print(
        f"plate written: 16 x 24 wells, one {FIELD}^2 uint16 field each, 2 levels "
        f"({time.perf_counter() - t:.1f} s)"
    )
    with running_lab(root) as lab:
        base, token, server = lab.base, lab.token, lab.server
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            tiles: list[tuple[str, int]] = []
            page.on(
                "response",
                lambda r: (
                    tiles.append((r.url, int(r.headers.get("content-length", "0"))))
                    if "/api/v1/tile" in r.url
                    else None
                ),
            )
            page.goto(f"{base}lab?reset&token={token}")
            page.wait_for_selector(".jp-DirListing-item", timeout=120_000)
            viewer = ".jp-ZarrPanel .zarrview"
            elapsed = page.evaluate(
                """async ([path, selector]) => {
                  const t0 = performance.now();
                  await window.jupyterapp.commands.execute('zarrview:open', {path, state: {
                    colormap: 'gray', contrast: [0, 2000]}});
                  const done = () => {
                    const v = document.querySelector(selector);
                    return v && v.dataset.state === 'idle';
                  };
                  while (!done()) { await new Promise(r => requestAnimationFrame(r)); }
                  return performance.now() - t0;
                }""",
                [store.name, viewer],
            )
            first = len(tiles)
            received = sum(n for _, n in tiles)
            level = page.locator(viewer).get_attribute("data-level")
            step = page.locator(viewer).get_attribute("data-step")
            cpu0, t0 = cpu_seconds(server.pid), time.monotonic()
            page.wait_for_timeout(args.idle * 1000)
            idle_s = time.monotonic() - t0
            idle_cpu = (cpu_seconds(server.pid) - cpu0) / idle_s
            idle_requests = len(tiles) - first
            browser.close()
        direct = direct_read(store)
        wells = len(ROWS) * len(COLUMNS)
        print(
            f"first complete mosaic: {elapsed:.0f} ms from the open command, {first} tile requests "
            f"for {wells} wells, {received / 1e3:.0f} kB received (level {level}, step {step})"
        )
        print(
            f"direct read of every well's coarsest field (zarr-python, cold process): "
            f"{direct * 1e3:.0f} ms, {wells} reads; the mosaic took {elapsed / 1e3 / direct:.2f}x "
            "that time, page and drawing included"
        )
        print(
            f"idle {idle_s:.0f} s with the plate shown: {idle_requests} tile requests, server CPU "
            f"{idle_cpu * 100:.2f} % of a core"
        )
        ok_time, ok_requests = elapsed < 2000, first < wells
        print(f"{'PASS' if ok_time else 'FAIL'}  first complete mosaic under 2 s")
        print(f"{'PASS' if ok_requests else 'FAIL'}  fewer tile requests than wells")
        print(f"{'PASS' if idle_requests == 0 else 'FAIL'}  idle: 0 requests")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
