"""Arrays in the kernel, changed in place or grown, shown again after ``view.refresh()``: only
the tiles whose bytes changed travel, and a slider at the last index follows the growth."""

from __future__ import annotations

import time
from typing import Any

from lab_driver import canvas_pixels, open_notebook, run_all, run_code, wait_idle, write_notebook
from test_idle import Traffic

CELL = (
    "import numpy as np\n"
    "from jupyter_zarrview import ZarrView\n"
    "a = np.zeros((2, 600, 700), dtype=np.uint16)\n"
    "v = ZarrView(a, colormap='gray', contrast=(0, 100), indices={'dim_0': 1},"
    " zoom=1.0, center=[300.0, 350.0], height=620)\n"
    "v"
)


def received_bytes(page: Any) -> int:
    return int(page.evaluate("() => window.__zarrviewComms.receivedBytes"))


def quiet_bytes(page: Any, quiet: float = 2.0, timeout: float = 30.0) -> int:
    """The bytes received once nothing more has come for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    last, since = received_bytes(page), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = received_bytes(page)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
    raise AssertionError("kernel messages kept coming while nothing changed")


def screen_point(page: Any, row: float, col: float) -> tuple[float, float]:
    """Where level-0 pixel (row, col) is drawn at zoom 1 about the centre (300, 350)."""
    width, height = page.evaluate(
        "() => { const c = document.querySelector('.zarrview-canvas');"
        " return [c.clientWidth, c.clientHeight]; }"
    )
    return (col + 0.5 - 350 + width / 2, row + 0.5 - 300 + height / 2)


def test_refresh_after_an_in_place_change_sends_only_the_changed_tile(page, lab):
    traffic = Traffic(page)
    traffic.watch()
    open_notebook(page, lab.url, write_notebook(lab.root, [CELL]))
    run_all(page)
    wait_idle(page, timeout=60_000)
    point = screen_point(page, 15, 625)  # in the right-hand tile (columns 512..700)
    assert canvas_pixels(page, [point])[0][:3] == [0, 0, 0]
    before = quiet_bytes(page)  # read-ahead of the plane beside it has landed too
    run_code(page, "a[1, 10:20, 600:650] = 100\nv.refresh()")
    page.wait_for_function(
        """([x, y]) => {
          const canvas = document.querySelector('.zarrview-canvas');
          const copy = document.createElement('canvas');
          copy.width = canvas.width; copy.height = canvas.height;
          const ctx = copy.getContext('2d');
          ctx.drawImage(canvas, 0, 0);
          const s = canvas.width / canvas.clientWidth;
          return ctx.getImageData(Math.floor(x * s), Math.floor(y * s), 1, 1).data[0] === 255;
        }""",
        arg=list(point),
        timeout=30_000,
    )
    wait_idle(page)
    sent = received_bytes(page) - before
    changed_tile = 512 * 188 * 2  # rows 0..512 of columns 512..700, uint16
    # The changed tile's bytes and the small answers (304s, the event), not the unchanged
    # 512 x 512 tile beside it, nor the coarse overview's.
    assert changed_tile <= sent < changed_tile + 64 * 1024, sent


def test_a_grown_array_in_the_kernel_is_followed_at_its_last_index(page, lab):
    cell = (
        "import numpy as np, zarr\n"
        "from jupyter_zarrview import ZarrView\n"
        "g = zarr.create_array(store={}, shape=(2, 200, 300), chunks=(1, 200, 300),"
        " dtype='uint8', fill_value=0)\n"
        "g[1] = 50\n"
        "v = ZarrView(g, colormap='gray', contrast=(0, 200), indices={'dim_0': 1})\n"
        "v"
    )
    open_notebook(page, lab.url, write_notebook(lab.root, [cell]))
    run_all(page)
    wait_idle(page, timeout=60_000)
    run_code(page, "g.resize((3, 200, 300))\ng[2] = 200\nv.refresh()")
    page.wait_for_function(
        "() => document.querySelector('.zarrview-slider-value')?.textContent.startsWith('2 / 2')",
        timeout=30_000,
    )
    wait_idle(page)
    assert run_code(page, "print(v.indices)").strip() == "{'dim_0': 2}"
    width, height = page.evaluate(
        "() => { const c = document.querySelector('.zarrview-canvas');"
        " return [c.clientWidth, c.clientHeight]; }"
    )
    assert canvas_pixels(page, [(width / 2, height / 2)])[0][:3] == [255, 255, 255]
