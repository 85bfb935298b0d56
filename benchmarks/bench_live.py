"""Live data in a real browser: from a writer's end of write to the frame's pixels on the canvas.

Loopback only, bounded, in one run of about three and a half minutes. Starts ``jupyter lab`` on
127.0.0.1 and headless Chromium (Playwright), opens JupyterLab's panel on a store at 1:1 over
1024 x 1024 (level 0, four 512 x 512 tiles; the file browser folded, so the canvas is about
1030 x 1040) and lets a writer process add one 1024 x 1024 uint16 frame every 200 ms (chunks of
1 x 512 x 512):

- (a) a zarr v3 array that grows: resize, then write. The panel's slider sits at the last index
  and follows the axis as it grows.
- (b) a pre-sized zarr v2 array filled frame by frame, no metadata change. A slider follows only
  the last index of a *growing* axis, so nothing moves by itself here: the view is parked on
  the frame about to be written (the page steps the slider to frame k + 1 as soon as frame k is
  drawn, and the writer writes frame k + 1 no sooner than 200 ms after frame k and once the view
  is parked on it), and what is measured is the time from the end of that frame's write to its
  pixels.

Each frame is a sensor-like picture (smooth structure and noise, which compresses as real images
do, partly) with a patch at the middle of each tile whose value encodes the frame's number;
contrast and colormap are fixed, so the page tells from four canvas pixels which frame each tile
shows. A ``requestAnimationFrame`` loop in the page reads them (one ``readPixels`` per point,
not a copy of the canvas) and records, against ``Date.now()``, when a frame first shows in all
four tiles; the writer records ``time.time()`` at the end of each write (the same clock). Where
the time goes is printed too: when the event reached the page, when the frame's tiles were
asked and answered (Chromium's own timings), when they were drawn.

Then, the data unchanged: the tiles sent and the server's CPU over 60 s with both views live,
against 30 s with as many JupyterLab pages and no view (a page's own polls cost the server
too); whether closing a view's tab closes its event stream; and 20 event streams of one
dataset opened by a plain HTTP client (20 browser pages are more than two cores carry), with
the watchers the server runs for them, from ``api/v1/live``.

    python benchmarks/bench_live.py [--frames 40] [--period 0.2] [--idle 60] [--baseline 30]
        [--poll 1.0] [--no-file-events] [--trace N]

Exits 1 when a bar fails.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from bench_browser import ARGS
from load_http import _free_port, _rss_mib, cpu_seconds, pct
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

SIZE = 1024
CHUNKS = (1, 512, 512)
PLANE_BYTES = SIZE * SIZE * 2
# Frame k's patches hold MARK + STEP * k; with contrast (0, 25500) and gray, a canvas value of
# v / 100: 30 + 4k, far above the picture around them (below 20) and the fill value (0).
MARK, STEP, HIGH = 3000, 400, 25500
# The tiles' middles, in array indices (row, column): one probe per 512 x 512 tile.
PROBES = [(256, 256), (256, 768), (768, 256), (768, 768)]
PATCH = 32  # half the patch's side
PANEL = ".jp-ZarrPanel:not(.lm-mod-hidden) .zarrview"
# With the file browser folded, JupyterLab's bars leave the panel's canvas about 1030 x 1035.
VIEWPORT = {"width": 1110, "height": 1270}
VIEWS = 20
# How long the writer of (b) waits at most for the view to be parked on its next frame.
GATE_WAIT = 5.0
# How long a closed tab's stream may take to end: its socket closes at once, or not at all.
TAB_CLOSE_WAIT = 8.0
# What the docs recommend for live_poll_interval (docs/live.md: the default; a writer on this
# machine wakes the watcher through filesystem events well before the next poll).
RECOMMENDED_POLL = 1.0

WRITER = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np, zarr

    path, grow = sys.argv[1], sys.argv[2] == "grow"
    frames, period, start = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    gate = None if sys.argv[6] == "-" else sys.argv[6]

    def parked():
        try:
            return int(open(gate).read() or 0)
        except (OSError, ValueError):
            return 0
    a = zarr.open_array(path, mode="r+")
    size, mark, step, patch = {size}, {mark}, {step}, {patch}
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    base = (1000 + 800 * np.sin(xx / 97.0) * np.cos(yy / 61.0)).astype(np.uint16)
    rng = np.random.default_rng(1)

    def frame(k):
        out = np.roll(base, 7 * k, axis=1) + rng.integers(0, 64, (size, size), dtype=np.uint16)
        for y, x in {probes}:
            out[y - patch : y + patch, x - patch : x + patch] = mark + step * k
        return out

    out = []
    for k in range(1, frames + 1):
        data = frame(k)  # made before its time comes, so the writes keep the period
        time.sleep(max(0.0, start + k * period - time.time()))
        # Pre-sized: frame k is written once the view is parked on it (bounded wait).
        waited = time.time() + {gate_wait}
        while gate and parked() < k and time.time() < waited:
            time.sleep(0.005)
        began = time.time()
        if grow:
            a.resize((k + 1, size, size))
        a[k] = data
        out.append({{"k": k, "began": began, "end": time.time()}})
    print(json.dumps(out))
    """
).format(size=SIZE, mark=MARK, step=STEP, patch=PATCH, probes=PROBES, gate_wait=GATE_WAIT)

# Installed in the page once the panel shows frame 0 (or the parked frame's fill): samples four
# canvas pixels every animation frame and keeps when each frame first shows in all four tiles.
PROBE = """([selector, probes, mark, step, high, park, last]) => {
  const root = document.querySelector(selector);
  const canvas = root.querySelector('.zarrview-canvas');
  const gl = canvas.getContext('webgl2');
  const ctx = gl ? null : canvas.getContext('2d', { willReadFrequently: true });
  const pixel = new Uint8Array(4);
  const base = mark * 255 / high, per = step * 255 / high;
  const state = { all: {}, any: {}, samples: 0, parked: park, stop: false, values: [] };
  window.__live = state;
  const read = (row, col) => {
    // The camera: zoom 1, centre (512, 512); the canvas may hold device pixels.
    const sx = canvas.width / canvas.clientWidth, sy = canvas.height / canvas.clientHeight;
    const x = Math.floor((col - 512 + canvas.clientWidth / 2) * sx);
    const y = Math.floor((row - 512 + canvas.clientHeight / 2) * sy);
    if (gl) {
      gl.readPixels(x, canvas.height - 1 - y, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
      return pixel[0];
    }
    return ctx.getImageData(x, y, 1, 1).data[0];
  };
  const frameOf = value => (value < base - per / 2 ? -1 : Math.round((value - base) / per));
  const tick = () => {
    const now = Date.now();
    const values = probes.map(([row, col]) => read(row, col));
    const frames = values.map(frameOf);
    state.samples += 1;
    state.values = values;
    for (const k of frames) {
      if (k >= 0 && !(k in state.any)) state.any[k] = now;
    }
    const k = frames[0];
    if (k >= 0 && frames.every(f => f === k) && !(k in state.all)) {
      state.all[k] = now;
      if (park !== null && k === state.parked && k < last) {
        // Parked: on to the frame about to be written, as a user stepping the slider would.
        state.parked = k + 1;
        root.dispatchEvent(new KeyboardEvent('keydown', { key: '.', bubbles: true }));
      }
    }
    if (!state.stop) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  return true;
}"""


@dataclass
class Traffic:
    """What the pages asked of the server, as Chromium saw it, each with when it finished."""

    tiles: list[tuple[float, Any]] = field(default_factory=list)
    requests: list[tuple[float, str]] = field(default_factory=list)
    event_bytes: list[tuple[float, int]] = field(default_factory=list)
    # Every tile answer's bytes as they arrive, those the page abandoned halfway included.
    tile_wire: list[tuple[float, int]] = field(default_factory=list)
    aborted: list[tuple[float, str]] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        page.on("request", self._request)
        page.on("requestfinished", self._finished)
        # A stream's bytes as they arrive: Playwright tells a response's size only once it ends.
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        streams: set[str] = set()
        tiles: set[str] = set()
        # CDP stamps events on a monotonic clock; a request's wallTime ties it to time.time().
        offset: list[float] = []

        def sent(e: dict[str, Any]) -> None:
            if not offset:
                offset.append(e["wallTime"] - e["timestamp"])
            if "/zarrview/api/v1/events" in e["request"]["url"]:
                streams.add(e["requestId"])
            elif "/zarrview/api/v1/tile" in e["request"]["url"]:
                tiles.add(e["requestId"])

        def when(e: dict[str, Any]) -> float:
            return float(e["timestamp"] + offset[0]) if offset else time.time()

        def received(e: dict[str, Any]) -> None:
            if e["requestId"] in streams:
                self.event_bytes.append((when(e), int(e["encodedDataLength"])))
            elif e["requestId"] in tiles:
                self.tile_wire.append((when(e), int(e["encodedDataLength"])))

        def failed(e: dict[str, Any]) -> None:
            if e["requestId"] in tiles:
                self.aborted.append((when(e), str(e.get("errorText"))))

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.dataReceived", received)
        cdp.on("Network.loadingFailed", failed)

    def _request(self, request: Any) -> None:
        if "/zarrview/" in request.url:
            self.requests.append((time.time(), request.url))

    def _finished(self, request: Any) -> None:
        if "/zarrview/api/v1/tile" in request.url:
            self.tiles.append((time.time(), request))

    def tile_answers(self, t0: float, t1: float) -> list[tuple[int, int]]:
        """(status, encoded body bytes) of the tiles that finished between t0 and t1."""
        out = []
        for when, request in self.tiles:
            if t0 <= when < t1:
                response = request.response()
                out.append(
                    (response.status if response else 0, request.sizes()["responseBodySize"])
                )
        return out

    def wire_bytes(self, t0: float, t1: float) -> int:
        return sum(n for when, n in self.tile_wire if t0 <= when < t1)

    def abandoned(self, t0: float, t1: float) -> int:
        return sum(1 for when, _ in self.aborted if t0 <= when < t1)

    def stream_bytes(self, t0: float, t1: float) -> int:
        return sum(n for when, n in self.event_bytes if t0 <= when < t1)

    def asked(self, t0: float, t1: float) -> int:
        return sum(1 for when, _ in self.requests if t0 <= when < t1)


@dataclass
class Case:
    name: str
    frames: int
    latencies: list[float]  # ms, end of write to all four tiles drawn, of the frames shown
    shown: list[int]
    statuses: dict[int, int]
    tile_bytes: int
    wire_bytes: int  # as Chromium received them, abandoned answers included
    abandoned: int
    stream_bytes: int
    first_tile: list[float]  # ms, end of write to the first of the four tiles drawn
    write_ms: list[float]
    period_ms: float  # the writer's mean time between two frames
    trace: list[str] = field(default_factory=list)

    def lines_and_bars(self) -> tuple[list[str], dict[str, bool]]:
        lat = sorted(self.latencies)
        p50 = pct(lat, 50) if lat else float("inf")
        p95 = pct(lat, 95) if lat else float("inf")
        first = pct(self.first_tile, 50) if self.first_tile else float("nan")
        share = len(self.shown) / self.frames
        per_frame = (max(self.tile_bytes, self.wire_bytes) + self.stream_bytes) / self.frames
        missing = sorted(set(range(1, self.frames + 1)) - set(self.shown))
        lines = [
            f"  frames written {self.frames}, one every {self.period_ms:.0f} ms on average; a "
            f"write (with its resize in (a)) takes {statistics.median(self.write_ms):.0f} ms p50",
            f"  end of write -> its pixels in all four tiles: p50 {p50:.0f} ms, p95 {p95:.0f} ms,"
            f" max {max(lat, default=float('inf')):.0f} ms (first tile: p50 {first:.0f} ms)",
            f"  frames shown {len(self.shown)} / {self.frames} ({share * 100:.0f} %)"
            + (f"; not shown: {missing}" if missing else ""),
            f"  tile answers finished {dict(sorted(self.statuses.items()))} (status: count), "
            f"abandoned by the page halfway {self.abandoned}",
            f"  bytes per frame: tiles {self.tile_bytes / self.frames / 1e3:.0f} kB (finished "
            f"answers' bodies; {self.wire_bytes / self.frames / 1e3:.0f} kB received in all, "
            f"abandoned ones included) + event stream {self.stream_bytes / self.frames:.0f} B "
            f"= {per_frame / PLANE_BYTES:.2f}x the plane's {PLANE_BYTES / 1e3:.0f} kB",
        ]
        bars = {
            f"({self.name}) latency p50 <= 300 ms": p50 <= 300,
            f"({self.name}) latency p95 <= 1 s": p95 <= 1000,
            f"({self.name}) >= 95 % of frames shown": share >= 0.95,
            f"({self.name}) <= 1.2x the plane's bytes per frame": per_frame <= 1.2 * PLANE_BYTES,
        }
        return lines, bars


def frame_zero() -> np.ndarray:
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    out = (1000 + 800 * np.sin(xx / 97.0) * np.cos(yy / 61.0)).astype(np.uint16)
    for y, x in PROBES:
        out[y - PATCH : y + PATCH, x - PATCH : x + PATCH] = MARK
    return out


def make_store(path: Path, *, grow: bool, frames: int) -> None:
    shape = (1 if grow else frames + 1, SIZE, SIZE)
    arr = zarr.create_array(
        str(path),
        shape=shape,
        chunks=CHUNKS,
        dtype="uint16",
        fill_value=0,
        zarr_format=3 if grow else 2,
    )
    arr[0] = frame_zero()


class Lab:
    """``jupyter lab`` on 127.0.0.1 in a process of its own, until ``close``."""

    def __init__(self, root: Path, home: Path, poll: float, file_events: bool = True) -> None:
        self.port = _free_port()
        self.token = "bench-live"
        self.url = f"http://127.0.0.1:{self.port}/"
        self.home = home
        env = {
            **os.environ,
            "HOME": str(home),
            "JUPYTER_CONFIG_DIR": str(home / "cfg"),
            "JUPYTER_RUNTIME_DIR": str(home / "rt"),
            "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "ws"),
        }
        self._log = (home / "lab.log").open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={self.port}",
                "--ServerApp.port_retries=0",
                f"--ServerApp.root_dir={root}",
                f"--IdentityProvider.token={self.token}",
                "--allow-root",
                "--LabApp.extension_manager=readonly",
                "--LabApp.news_url=",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.expose_app_in_browser=True",
                f"--ZarrViewExtension.live_poll_interval={poll}",
                f"--ZarrViewExtension.live_file_events={file_events}",
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                self.api("api/status")
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise RuntimeError(
                        "jupyter lab did not start:\n" + (home / "lab.log").read_text()
                    ) from None
                time.sleep(0.25)

    def api(self, path: str) -> Any:
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def live(self) -> dict[str, Any]:
        return dict(self.api("zarrview/api/v1/live"))

    def until_live(self, wanted: Any, seconds: float) -> dict[str, Any]:
        status = self.live()
        deadline = time.monotonic() + seconds
        while not wanted(status) and time.monotonic() < deadline:
            time.sleep(0.2)
            status = self.live()
        return status

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def open_lab(browser: Any, lab: Lab, workspace: str, traffic: Traffic) -> Any:
    """A JupyterLab page of its own workspace (so that two pages do not restore each other's
    tabs), its file browser folded away: the main area a little over 1024 x 1024."""
    page = browser.new_page(viewport=VIEWPORT)
    traffic.watch(page)
    page.goto(f"{lab.url}lab/workspaces/{workspace}?reset&token={lab.token}")
    page.wait_for_selector(".jp-DirListing-item", timeout=90_000)
    page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
    return page


def open_panel(browser: Any, lab: Lab, name: str, index: int, traffic: Traffic) -> Any:
    page = open_lab(browser, lab, name.replace(".", "-"), traffic)
    state = {
        "zoom": 1.0,
        "center": [512.0, 512.0],
        "contrast": [0, HIGH],
        "colormap": "gray",
        "indices": {"dim_0": index},
    }
    page.evaluate(
        "([path, state]) => window.jupyterapp.commands.execute('zarrview:open', {path, state})",
        [name, state],
    )
    page.wait_for_selector(f"{PANEL}[data-state='idle'][data-live='live']", timeout=90_000)
    size = page.evaluate(
        "s => { const c = document.querySelector(s + ' .zarrview-canvas');"
        " return [c.clientWidth, c.clientHeight, c.width, c.height]; }",
        PANEL,
    )
    if min(size[:2]) < SIZE:
        raise RuntimeError(f"the canvas is {size[0]} x {size[1]}: too small for a 1:1 frame")
    page.canvas_size = size
    return page


def close_tab(page: Any, name: str) -> None:
    """Closes the store's tab as a user does: its close icon."""
    tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text=name)
    tab.locator(".lm-TabBar-tabCloseIcon").click()
    page.wait_for_selector(".jp-ZarrPanel", state="detached", timeout=10_000)


def run_case(
    browser: Any, lab: Lab, root: Path, traffic: Traffic, *, grow: bool, args: argparse.Namespace
) -> tuple[Case, Any]:
    name = "live-grows.zarr" if grow else "live-presized.zarr"
    make_store(root / name, grow=grow, frames=args.frames)
    park = None if grow else 1
    page = open_panel(browser, lab, name, 0 if grow else 1, traffic)
    page.evaluate(PROBE, [PANEL, [list(p) for p in PROBES], MARK, STEP, HIGH, park, args.frames])
    if grow:
        # The probe must read frame 0 where it expects it, or it could read nothing later.
        page.wait_for_function("() => 0 in window.__live.all", timeout=10_000)
    start = time.time() + 1.0
    gate = root / f"{name}.parked"
    gate.write_text("1")
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            WRITER,
            str(root / name),
            "grow" if grow else "fill",
            str(args.frames),
            str(args.period),
            str(start),
            "-" if grow else str(gate),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30 + args.frames * (args.period + GATE_WAIT)
        while writer.poll() is None and time.monotonic() < deadline:
            if not grow:
                # Tells the writer which frame the view is parked on (the page steps it).
                parked = page.evaluate("() => window.__live.parked")
                gate.with_suffix(".tmp").write_text(str(parked))
                gate.with_suffix(".tmp").replace(gate)
            time.sleep(0.02)
        out, _ = writer.communicate(timeout=5)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    writes = json.loads(out)
    # The last frames' pixels, then whatever they pulled along (read-ahead, 304s).
    with contextlib.suppress(PlaywrightTimeout):  # a frame never drawn is counted, not waited on
        page.wait_for_function(f"() => {args.frames} in window.__live.all", timeout=5_000)
    time.sleep(1.5)
    t1 = time.time()
    live = page.evaluate("() => { window.__live.stop = true; return window.__live; }")
    shown = {int(k): v for k, v in live["all"].items()}
    first = {int(k): v for k, v in live["any"].items()}
    ends = {w["k"]: w["end"] * 1000 for w in writes}
    answers = traffic.tile_answers(start - 0.5, t1)
    statuses: dict[int, int] = {}
    for status, _ in answers:
        statuses[status] = statuses.get(status, 0) + 1
    case = Case(
        name="a, grows" if grow else "b, pre-sized",
        frames=args.frames,
        latencies=[shown[k] - ends[k] for k in ends if k in shown],
        shown=sorted(k for k in ends if k in shown),
        statuses=statuses,
        tile_bytes=sum(n for _, n in answers),
        wire_bytes=traffic.wire_bytes(start - 0.5, t1),
        abandoned=traffic.abandoned(start - 0.5, t1),
        stream_bytes=traffic.stream_bytes(start - 0.5, t1),
        first_tile=[first[k] - ends[k] for k in ends if k in first],
        write_ms=[(w["end"] - w["began"]) * 1000 for w in writes],
        period_ms=(writes[-1]["end"] - writes[0]["end"]) * 1000 / max(1, len(writes) - 1),
    )
    case.trace = [stages(traffic, writes, shown)]
    if args.trace:
        case.trace += timeline(traffic, writes, live, args.trace)
    return case, page


def stages(traffic: Traffic, writes: list[dict[str, Any]], shown: dict[int, float]) -> str:
    """Where a shown frame's time went, p50 over the frames, in ms from the end of its write."""
    told, asked, answered, drawn = [], [], [], []
    tiles: dict[int, list[tuple[float, float]]] = {}
    for _, request in traffic.tiles:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.url).query)
        index = query.get("sel", ["x"])[0].split(",")[0]
        if index.isdigit():
            timing = request.timing
            start = timing["startTime"] / 1000
            tiles.setdefault(int(index), []).append((start, start + timing["responseEnd"] / 1000))
    for w in writes:
        k, end = w["k"], w["end"]
        if k not in shown:
            continue
        events = [t for t, _ in traffic.event_bytes if t >= end]
        after = [(a, b) for a, b in tiles.get(k, []) if a >= end]
        if not events or not after:
            continue
        told.append(min(events) - end)
        asked.append(min(a for a, _ in after) - end)
        answered.append(max(b for _, b in after) - end)
        drawn.append(shown[k] / 1000 - end)
    if not drawn:
        return "  (no frame shown whose tiles were asked after its write)"
    p50 = lambda xs: statistics.median(xs) * 1000  # noqa: E731
    return (
        f"  where the time goes (p50 of {len(drawn)} frames, from the end of the write): the "
        f"event reaches the page {p50(told):.0f} ms, tiles asked {p50(asked):.0f} ms, the "
        f"last answered {p50(answered):.0f} ms, all four drawn {p50(drawn):.0f} ms"
    )


def timeline(
    traffic: Traffic, writes: list[dict[str, Any]], live: dict[str, Any], count: int
) -> list[str]:
    """The first ``count`` frames, in ms from the first write: writes, events, tiles, pixels."""
    if not writes:
        return []
    t0 = writes[0]["began"]
    until = writes[min(count, len(writes) - 1)]["end"] if len(writes) > count else float("inf")
    story: list[tuple[float, str]] = []
    for w in writes[:count]:
        story += [(w["began"], f"write {w['k']} begins"), (w["end"], f"write {w['k']} ends")]
    story += [(t, f"event stream, {n} B") for t, n in traffic.event_bytes]
    for _, request in traffic.tiles:
        timing = request.timing
        asked = timing["startTime"] / 1000
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.url).query)
        sel = query.get("sel", ["?"])[0]
        response = request.response()
        status = response.status if response else 0
        story.append((asked, f"tile {sel} asked"))
        story.append(
            (
                asked + timing["responseEnd"] / 1000,
                f"tile {sel} {status}, {request.sizes()['responseBodySize']} B",
            )
        )
    story += [(v / 1000, f"frame {k}: a tile drawn") for k, v in live["any"].items()]
    story += [(v / 1000, f"frame {k}: all four tiles drawn") for k, v in live["all"].items()]
    return [
        f"    {(t - t0) * 1000:8.0f} ms  {text}"
        for t, text in sorted(story)
        if t0 - 0.05 <= t <= until
    ]


def open_streams(lab: Lab, path: str, count: int) -> list[http.client.HTTPConnection]:
    """``count`` event streams of ``path``, each read up to its ``hello``."""
    out = []
    for _ in range(count):
        connection = http.client.HTTPConnection("127.0.0.1", lab.port, timeout=15)
        connection.request(
            "GET",
            f"/zarrview/api/v1/events?path={path}",
            headers={"Authorization": f"token {lab.token}", "Accept": "text/event-stream"},
        )
        response = connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"events answered {response.status}: {response.read()[:200]!r}")
        for _ in range(10):
            if response.fp.readline().startswith(b"event: hello"):
                break
        out.append(connection)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--period", type=float, default=0.2, help="seconds between two frames")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of the idle window")
    parser.add_argument("--baseline", type=float, default=30.0, help="seconds with views closed")
    parser.add_argument("--poll", type=float, default=RECOMMENDED_POLL)
    parser.add_argument(
        "--file-events",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="filesystem events wake the watcher (--no-file-events: polling alone, as a writer "
        "on another node of a network file system is seen)",
    )
    parser.add_argument(
        "--trace", type=int, default=0, help="print the first N frames' timeline of each case"
    )
    args = parser.parse_args()
    if not 1 <= args.frames <= 55:
        parser.error("--frames must be 1..55 (the patch values stay inside the contrast)")
    root = Path(tempfile.mkdtemp(prefix="zarrview-live-"))
    home = Path(tempfile.mkdtemp(prefix="zarrview-live-home-"))
    lab = Lab(root, home, args.poll, args.file_events)
    bars: dict[str, bool] = {}
    try:
        print(
            f"live_poll_interval = {args.poll} s (docs/live.md: the default; a writer on this "
            "machine wakes the watcher through filesystem events before the next poll); "
            f"live_file_events = {args.file_events}"
        )
        print(
            f"{args.frames} frames of {SIZE} x {SIZE} uint16, one every {args.period * 1000:.0f} "
            f"ms, chunks {CHUNKS}; the panel at zoom 1 over level 0 (four 512 x 512 tiles)"
        )
        traffic = Traffic()
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", args=ARGS, headless=True
            )
            pages = []
            for grow in (True, False):
                case, page = run_case(browser, lab, root, traffic, grow=grow, args=args)
                pages.append(page)
                lines, case_bars = case.lines_and_bars()
                if grow:
                    print("(a) zarr v3 array that grows (resize, then write); the slider follows:")
                else:
                    print(
                        "(b) pre-sized zarr v2 array filled frame by frame (no metadata change):"
                        " a slider follows only a growing axis, so the view is parked on the"
                        " frame about to be written (the page steps it on as each frame is drawn;"
                        " the writer writes a frame no sooner than one period after the last and"
                        " once the view is parked on it), and the latency is from the end of"
                        " that frame's write to its pixels"
                    )
                print(f"  the panel's canvas: {page.canvas_size[0]} x {page.canvas_size[1]} px")
                for line in lines + case.trace:
                    print(line)
                bars.update(case_bars)

            # Idle: both views live, nothing written.
            time.sleep(3)
            status = lab.live()
            viewers = status["streams"]
            t0, cpu0, rss0 = time.time(), lab.cpu(), _rss_mib(lab.proc.pid)
            time.sleep(args.idle)
            t1, cpu1, rss1 = time.time(), lab.cpu(), _rss_mib(lab.proc.pid)
            idle_share = (cpu1 - cpu0) / (t1 - t0)
            idle_tiles = traffic.tile_answers(t0, t1)
            full = sum(1 for s, _ in idle_tiles if s == 200)
            asked = traffic.asked(t0, t1)
            # A view whose tab is closed must close its stream (the issue: "closed when the
            # view goes away"): closed as a user closes it, then counted.
            for page, name in zip(pages, ("live-grows.zarr", "live-presized.zarr"), strict=True):
                close_tab(page, name)
            after_close = lab.until_live(lambda s: s["streams"] == 0, TAB_CLOSE_WAIT)
            # The baseline: as many JupyterLab pages, no view (a page's own polls cost too).
            for page in pages:
                page.close()
            quiet = [open_lab(browser, lab, f"quiet-{i}", traffic) for i in range(len(pages))]
            lab.until_live(lambda s: s["watchers"] == 0, 20)
            time.sleep(3)
            b0, bcpu0 = time.time(), lab.cpu()
            time.sleep(args.baseline)
            b1, bcpu1 = time.time(), lab.cpu()
            base_share = (bcpu1 - bcpu0) / (b1 - b0)
            per_viewer = (idle_share - base_share) / max(1, viewers)
            print(
                f"idle, {t1 - t0:.0f} s with {viewers} live views and nothing written "
                f"(watchers {status['watchers']}):"
            )
            print(
                f"  requests from the pages to zarrview/ {asked}; tiles sent in full (200) "
                f"{full} ({full / max(1, viewers):.1f} per live view)"
            )
            print(
                f"  server CPU {idle_share * 100:.2f} % of a core with the views, "
                f"{base_share * 100:.2f} % with {len(quiet)} JupyterLab pages and no view "
                f"({b1 - b0:.0f} s): {per_viewer * 100:.2f} % per live view; RSS drift "
                f"{rss1 - rss0:+.1f} MiB"
            )
            print(
                f"  {TAB_CLOSE_WAIT:.0f} s after both tabs were closed (their close icons): "
                f"{json.dumps(after_close)}"
            )
            bars["idle: 0 full tiles re-sent"] = full == 0 and viewers > 0
            bars["idle: < 1 % of a core per live view"] = per_viewer < 0.01
            bars["a closed tab closes its view's stream"] = after_close["streams"] == 0

            # 20 views of one dataset, as 20 event streams from a plain HTTP client.
            lab.until_live(lambda s: s["watchers"] == 0, 20)
            streams = open_streams(lab, "live-grows.zarr", VIEWS)
            try:
                status = lab.until_live(lambda s: s["streams"] == VIEWS, 10)
                s0, scpu0 = time.time(), lab.cpu()
                time.sleep(min(20.0, args.baseline))
                s1, scpu1 = time.time(), lab.cpu()
            finally:
                for connection in streams:
                    connection.close()
            stream_share = (scpu1 - scpu0) / (s1 - s0)
            after = lab.until_live(lambda s: s["watchers"] == 0 and s["streams"] == 0, 20)
            print(f"{VIEWS} event streams of one dataset (a plain HTTP client, not 20 browsers):")
            print(f"  api/v1/live: {json.dumps(status)}")
            print(
                f"  server CPU {stream_share * 100:.2f} % of a core over {s1 - s0:.0f} s "
                f"({(stream_share - base_share) * 100 / VIEWS:.3f} % per stream over the baseline)"
            )
            print(f"  a few seconds after they closed: {json.dumps(after)}")
            mine = [d for d in status["datasets"] if d["path"] == "live-grows.zarr"]
            bars["idle: one watcher per dataset (20 streams)"] = (
                len(mine) == 1 and mine[0]["streams"] == VIEWS and status["streams"] == VIEWS
            )
            browser.close()

    finally:
        lab.close()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
    for name, ok in bars.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(bars.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
