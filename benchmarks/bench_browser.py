"""Slider-to-repaint time and bytes per plane in a real browser (loopback only, bounded).

Starts JupyterLab on 127.0.0.1 with a 3-D uint16 store (64^3 chunks, zarr v2 blosc), opens it
in a ZarrView tab at 1:1 over a 1024 x 1024 view, then steps the z slider N times with the
keyboard. Prints p50/p95 of the time from the key press to the repainted plane (the viewer's
data-state back to idle on the new index), and the bytes received per plane change next to the
compressed size of the chunks that plane touches. Then the idle cost beside those figures: over
a window in which nobody touches the page, the tile requests the page sent (bar 0) and the
server's CPU and RSS drift.

    python benchmarks/bench_browser.py [--planes 40] [--idle 15]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import zarr
from lab_server import CHROMIUM_ARGS, running_lab
from load_http import _rss_mib, cpu_seconds
from playwright.sync_api import sync_playwright


def make_store(root: Path) -> Path:
    path = root / "bench.zarr"
    shape = (128, 1024, 1024)
    arr = zarr.create_array(
        str(path), shape=shape, chunks=(64, 64, 64), dtype="uint16", zarr_format=2
    )
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:1024, 0:1024]
    for z0 in range(0, shape[0], 64):
        block = np.empty((64, 1024, 1024), dtype=np.uint16)
        for k in range(64):
            z = z0 + k
            block[k] = (
                1000
                + 800 * np.sin((xx + 3 * z) / 40) * np.cos(yy / 55)
                + rng.normal(0, 30, (1024, 1024))
            ).astype(np.uint16)
        arr[z0 : z0 + 64] = block
    return path


def chunk_bytes_for_plane(store: Path, z: int) -> int:
    slab = z // 64
    return sum(f.stat().st_size for f in store.glob(f"{slab}.*.*"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--planes", type=int, default=40)
    parser.add_argument("--idle", type=float, default=15.0, help="seconds of the idle window")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="zarrview-bench-"))
    store = make_store(root)
    with running_lab(root) as lab:
        base, token, server = lab.base, lab.token, lab.server
        state = {
            "zoom": 1.0,
            "center": [512.0, 512.0],
            "indices": {"dim_0": 0},
            "contrast": [0, 3000],
        }
        url = f"{base}lab?token={token}&zarrview=bench.zarr&zarrview-state=" + urllib.request.quote(
            json.dumps(state)
        )
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1500, "height": 1400})
            received: list[int] = []
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url) if "/zarrview/" in r.url else None)
            page.on(
                "response",
                lambda r: (
                    received.append(int(r.headers.get("content-length", "0")))
                    if "/api/v1/tile" in r.url
                    else None
                ),
            )
            page.goto(url)
            viewer = ".jp-ZarrPanel .zarrview"
            page.wait_for_selector(f"{viewer}[data-state='idle']", timeout=120_000)
            page.focus(viewer)
            times, bytes_per_plane, chunk_sizes = [], [], []
            for i in range(1, args.planes + 1):
                page.wait_for_timeout(150)  # let read-ahead of the previous plane land
                before = sum(received)
                elapsed = page.evaluate(
                    """async ([selector, index]) => {
                      const v = document.querySelector(selector);
                      const t0 = performance.now();
                      v.dispatchEvent(new KeyboardEvent('keydown', {key: '.', bubbles: true}));
                      const done = () => {
                        const label = v.querySelector('.zarrview-slider-value');
                        return v.dataset.state === 'idle' && label &&
                          label.textContent.startsWith(index + ' /');
                      };
                      while (!done()) { await new Promise(r => requestAnimationFrame(r)); }
                      return performance.now() - t0;
                    }""",
                    [viewer, i],
                )
                times.append(elapsed)
                bytes_per_plane.append(sum(received) - before)
                chunk_sizes.append(chunk_bytes_for_plane(store, i))
            # Idle: read-ahead of the last plane lands, then nobody touches anything.
            page.wait_for_timeout(3000)
            idle_requests = len(requests)
            rss0, cpu0, t0 = _rss_mib(server.pid), cpu_seconds(server.pid), time.monotonic()
            page.wait_for_timeout(args.idle * 1000)
            idle_s = time.monotonic() - t0
            idle_cpu = (cpu_seconds(server.pid) - cpu0) / idle_s
            idle_rss = _rss_mib(server.pid) - rss0
            idle_requests = len(requests) - idle_requests
            browser.close()
        times.sort()
        p50 = statistics.median(times)
        p95 = times[int(0.95 * (len(times) - 1))]
        total_bytes = sum(received)
        per_plane = total_bytes / (args.planes + 1)
        chunks = statistics.mean(chunk_sizes)
        print(f"planes stepped: {args.planes}, view 1024 x 1024 at level 0, 64^3 uint16 chunks")
        print(f"slider -> repaint: p50 {p50:.1f} ms, p95 {p95:.1f} ms   (bars: 50 / 150 ms)")
        print(
            f"bytes received per plane (incl. read-ahead): {per_plane / 1e3:.0f} kB; "
            f"compressed chunks a plane touches: {chunks / 1e3:.0f} kB; "
            f"ratio {per_plane / chunks:.3f} (bar: <= 0.2)"
        )
        print(
            f"idle cost over {idle_s:.0f} s with the view shown: {idle_requests} requests from the"
            f" page (bar: 0), server CPU {idle_cpu * 100:.1f} % of a core (JupyterLab's own polls"
            f" included), server RSS drift {idle_rss:+.1f} MiB"
        )
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
