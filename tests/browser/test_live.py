"""Views follow data while a real writer writes it: in a separate process and in a cell of the
notebook's own kernel (busy the whole time), in the lab panel and in the widget."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import zarr
from lab_driver import open_notebook, run_all, wait_idle, write_notebook

if TYPE_CHECKING:
    from pathlib import Path

PANEL = ".jp-ZarrPanel:not(.lm-mod-hidden) .zarrview"
SIZE = 256


def frame_value(k: int) -> int:
    return 20 * (k + 1)  # with contrast (0, 255) and gray: the same value on screen


# The red channel at a fraction (fx, fy) of a viewer's canvas, as a page function's body.
RED_AT = """
  const canvas = document.querySelector(selector + ' .zarrview-canvas');
  const copy = document.createElement('canvas');
  copy.width = canvas.width; copy.height = canvas.height;
  const ctx = copy.getContext('2d');
  ctx.drawImage(canvas, 0, 0);
  const red = ctx.getImageData(Math.floor(canvas.width * fx), Math.floor(canvas.height * fy),
    1, 1).data[0];
"""


def center_pixel(page: Any, root: str) -> int:
    """The red channel at the middle of a viewer's canvas."""
    script = f"([selector, fx, fy]) => {{ {RED_AT} return red; }}"
    return int(page.evaluate(script, [root, 0.5, 0.5]))


def wait_red(page: Any, root: str, value: int, at: float = 0.5, timeout: float = 20_000) -> None:
    """Until the viewer, idle, shows ``value`` (within 1) at fraction ``at`` of its canvas."""
    script = (
        f"([selector, fx, fy, value]) => {{ {RED_AT}"
        " return document.querySelector(selector).dataset.state === 'idle'"
        " && Math.abs(red - value) <= 1; }"
    )
    page.wait_for_function(script, arg=[root, at, at, value], timeout=timeout)


def wait_frame(page: Any, root: str, k: int, timeout: float = 20_000) -> None:
    """Until the viewer shows frame ``k`` of ``k``, drawn: the label, then the pixels."""
    try:
        page.wait_for_function(
            """([selector, k]) => {
              const v = document.querySelector(selector);
              const label = v && v.querySelector('.zarrview-slider-value');
              return label && label.textContent.startsWith(`${k} / ${k}`)
                && v.dataset.state === 'idle';
            }""",
            arg=[root, k],
            timeout=timeout,
        )
    except Exception as exc:
        state = page.evaluate(
            """selector => { const v = document.querySelector(selector);
              return v && {live: v.dataset.live, message: v.dataset.liveMessage,
                state: v.dataset.state, label: v.querySelector('.zarrview-slider-value')
                ?.textContent, requests: v.dataset.requests}; }""",
            root,
        )
        raise AssertionError(f"frame {k} not shown: the viewer says {state}") from exc
    assert abs(center_pixel(page, root) - frame_value(k)) <= 1


def writer_script(path: Path, frames: int, period: float) -> str:
    return textwrap.dedent(
        f"""
        import time, numpy as np, zarr
        a = zarr.open_array({str(path)!r}, mode="r+")
        for k in range(1, {frames} + 1):
            time.sleep({period})
            a.resize((k + 1, {SIZE}, {SIZE}))
            a[k] = np.full(({SIZE}, {SIZE}), {20} * (k + 1), dtype=np.uint8)
        """
    )


def new_store(path: Path, *, zarr_format: int = 3) -> None:
    a = zarr.create_array(
        str(path),
        shape=(1, SIZE, SIZE),
        chunks=(1, 128, 128),
        dtype="uint8",
        fill_value=0,
        zarr_format=zarr_format,  # type: ignore[arg-type]
        overwrite=True,
    )
    a[0] = frame_value(0)


def tile_answers(page: Any) -> list[tuple[str, int]]:
    answers: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda r: answers.append((r.url, r.status)) if "/api/v1/tile" in r.url else None,
    )
    return answers


def test_the_lab_panel_follows_a_growing_array_written_by_another_process(page, lab):
    path = lab.root / "acquisition.zarr"
    new_store(path)
    answers = tile_answers(page)
    page.goto(f"{lab.url}lab?reset")
    page.wait_for_selector(".jp-DirListing-item", timeout=60_000)
    page.evaluate(
        """() => window.jupyterapp.commands.execute('zarrview:open', {path: 'acquisition.zarr',
             state: {contrast: [0, 255], colormap: 'gray'}})"""
    )
    wait_frame(page, PANEL, 0, timeout=60_000)
    assert page.get_attribute(PANEL, "data-live") == "live"
    frames = 5
    started = len(answers)
    # Slower than the watcher looks: each frame is seen (a faster writer is skipped ahead).
    writer = subprocess.Popen([sys.executable, "-c", writer_script(path, frames, 1.5)])
    try:
        seen = []
        for k in range(1, frames + 1):
            wait_frame(page, PANEL, k)
            seen.append(k)
        assert seen == list(range(1, frames + 1))
    finally:
        writer.wait(timeout=60)
    # Nothing changes now: no tile travels again.
    time.sleep(3)
    before = len(answers)
    time.sleep(5)
    assert answers[before:] == []
    # The frame shown before the writer started was not sent again as the array grew.
    again = [url for url, status in answers[started:] if status == 200 and "sel=0%2C" in url]
    assert again == []


def follow_a_busy_kernel(page: Any, lab: Any, path: str, frames: int, transport: str) -> None:
    """A notebook shows ``path`` in a widget, then the kernel runs a writer of ``frames`` frames
    and stays busy: the widget must show each frame while the writer still runs."""
    cell = (
        "from jupyter_zarrview import ZarrView\n"
        f"v = ZarrView({path!r}, colormap='gray', contrast=(0, 255))\n"
        "v"
    )
    writer = (
        "import time, numpy as np, zarr\n"
        f"a = zarr.open_array({path!r}, mode='r+')\n"
        f"for k in range(1, {frames + 1}):\n"
        "    time.sleep(2)\n"
        f"    a.resize((k + 1, {SIZE}, {SIZE}))\n"
        f"    a[k] = np.full(({SIZE}, {SIZE}), 20 * (k + 1), dtype=np.uint8)\n"
        "time.sleep(30)"
    )
    open_notebook(page, lab.url, write_notebook(lab.root, [cell]))
    run_all(page)
    wait_idle(page, timeout=60_000)
    root = ".jp-OutputArea .zarrview"
    assert page.locator("[data-transport]").first.get_attribute("data-transport") == transport
    kernel = "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
    # Not awaited: the request settles when the writer ends.
    page.evaluate(
        f"""code => {{ window.__writer = {{ done: false, output: [] }};
          const future = {kernel}.requestExecute({{ code }});
          future.done.then(() => {{ window.__writer.done = true; }});
          future.onIOPub = msg => window.__writer.output.push(msg.header.msg_type + ' '
            + JSON.stringify(msg.content).slice(0, 300)); }}""",
        writer,
    )
    try:
        for k in range(1, frames + 1):
            try:
                wait_frame(page, root, k)
            except AssertionError as exc:
                writer_said = page.evaluate("window.__writer")
                raise AssertionError(f"{exc}; the writer: {writer_said}") from exc
            # The writer is still running. (Not the kernel's status: with comms on a subshell
            # of their own, each comm message it handles reports idle.)
            assert page.evaluate("window.__writer.done") is False
        assert page.locator(root).get_attribute("data-live") == "live"
    finally:
        page.evaluate(f"() => {kernel}.interrupt()")


def test_the_widget_follows_a_writer_in_its_own_busy_kernel(page, lab):
    # Inside the server's root: over HTTP, told by the server's watcher.
    new_store(lab.root / "from-a-cell.zarr", zarr_format=2)
    follow_a_busy_kernel(page, lab, "from-a-cell.zarr", 4, "http")


def test_a_store_the_server_does_not_serve_is_followed_by_the_kernel(page, lab, tmp_path):
    # Outside the server's root: over widget messages, told by the kernel's own watcher.
    path = tmp_path / "outside.zarr"
    assert not path.is_relative_to(lab.root)
    new_store(path)
    follow_a_busy_kernel(page, lab, str(path), 3, "kernel")


def test_a_plane_rewritten_in_place_is_redrawn_and_only_its_tiles_travel(page, lab):
    path = lab.root / "preview.zarr"
    a = zarr.create_array(
        str(path),
        shape=(3, SIZE, SIZE),
        chunks=(1, 128, 128),
        dtype="uint8",
        zarr_format=2,
        overwrite=True,
    )
    a[:] = 10
    answers = tile_answers(page)
    page.goto(f"{lab.url}lab?reset")
    page.wait_for_selector(".jp-DirListing-item", timeout=60_000)
    page.evaluate(
        """() => window.jupyterapp.commands.execute('zarrview:open', {path: 'preview.zarr',
             state: {contrast: [0, 255], colormap: 'gray', indices: {dim_0: 1}}})"""
    )
    page.wait_for_selector(f"{PANEL}[data-state='idle'][data-live='live']", timeout=60_000)
    assert abs(center_pixel(page, PANEL) - 10) <= 1
    first = len(answers)
    quarter = np.full((128, 128), 200, dtype=np.uint8)
    a[1, 128:256, 128:256] = quarter  # one chunk of the plane shown, rewritten in place
    wait_red(page, PANEL, 200, at=0.6)
    again = answers[first:]
    assert again, "the rewritten chunk's tile was asked for again"
    # Only tiles over the rewritten chunk (a 256 x 256 plane is one tile at each level).
    assert len([s for _, s in again if s == 200]) <= 2, again


def test_a_store_deleted_and_recreated_shows_gone_then_its_new_data(page, lab):
    path = lab.root / "rerun.zarr"
    a = zarr.create_array(
        str(path), shape=(2, SIZE, SIZE), chunks=(1, 128, 128), dtype="uint8", overwrite=True
    )
    a[:] = 30
    page.goto(f"{lab.url}lab?reset")
    page.wait_for_selector(".jp-DirListing-item", timeout=60_000)
    page.evaluate(
        """() => window.jupyterapp.commands.execute('zarrview:open', {path: 'rerun.zarr',
             state: {contrast: [0, 255], colormap: 'gray'}})"""
    )
    page.wait_for_selector(f"{PANEL}[data-state='idle'][data-live='live']", timeout=60_000)
    assert abs(center_pixel(page, PANEL) - 30) <= 1
    shutil.rmtree(path)
    page.wait_for_selector(f"{PANEL}[data-live='gone']", timeout=20_000)
    assert abs(center_pixel(page, PANEL) - 30) <= 1  # the last picture stays
    assert page.locator(f"{PANEL}.zarrview-has-error").count() == 0
    b = zarr.create_array(
        str(path), shape=(2, SIZE, SIZE), chunks=(1, 128, 128), dtype="uint8", overwrite=True
    )
    b[:] = 150
    page.wait_for_selector(f"{PANEL}[data-live='live']", timeout=20_000)
    wait_red(page, PANEL, 150)
    assert page.locator(f"{PANEL}.zarrview-has-error").count() == 0


def test_a_paused_view_stays_and_catches_up_when_resumed(page, lab):
    path = lab.root / "paused.zarr"
    new_store(path)
    page.goto(f"{lab.url}lab?reset")
    page.wait_for_selector(".jp-DirListing-item", timeout=60_000)
    page.evaluate(
        """() => window.jupyterapp.commands.execute('zarrview:open', {path: 'paused.zarr',
             state: {contrast: [0, 255], colormap: 'gray'}})"""
    )
    wait_frame(page, PANEL, 0, timeout=60_000)
    page.wait_for_selector(f"{PANEL}[data-live='live']", timeout=20_000)
    page.locator(f"{PANEL} .zarrview-live").click()  # the live mark pauses
    page.wait_for_selector(f"{PANEL}[data-live='paused']", timeout=10_000)
    subprocess.run([sys.executable, "-c", writer_script(path, 2, 0.1)], check=True, timeout=60)
    time.sleep(3)  # several of the watcher's looks: a paused view is told nothing
    wait_frame(page, PANEL, 0)
    page.locator(f"{PANEL} .zarrview-live").click()
    wait_frame(page, PANEL, 2)  # resumed: it learns of the growth it missed, and follows


def test_closing_the_tab_closes_its_event_stream(page, lab):
    path = lab.root / "closed.zarr"
    new_store(path)
    page.goto(f"{lab.url}lab?reset")
    page.wait_for_selector(".jp-DirListing-item", timeout=60_000)
    page.evaluate(
        "() => window.jupyterapp.commands.execute('zarrview:open', {path: 'closed.zarr'})"
    )
    page.wait_for_selector(f"{PANEL}[data-live='live']", timeout=60_000)

    def streams() -> int:
        status = json.loads(lab.api("zarrview/api/v1/live"))
        return sum(d["streams"] for d in status["datasets"] if d["path"].endswith("closed.zarr"))

    assert streams() == 1
    page.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabCloseIcon").click()
    deadline = time.monotonic() + 20
    while streams() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert streams() == 0
