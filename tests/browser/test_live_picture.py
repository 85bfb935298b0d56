"""The README's "Watch an acquisition": a cell writes frames while the ZarrView above it follows,
and the store's JupyterLab tab beside the notebook follows too. The test takes the picture."""

from __future__ import annotations

import re
from typing import Any

from lab_driver import open_notebook, readme_picture, run_all, run_code, write_notebook

# The README's example, cell for cell.
VIEW_CELL = """\
import numpy as np, zarr
from jupyter_zarrview import ZarrView

def frame(t):  # what the instrument sees at time t
    y, x = np.mgrid[:256, :256]
    wave = np.sin(x / 20 + t / 3) * np.cos(y / 25 - t / 5)
    return (2000 + 1500 * wave).astype("uint16")

frames = zarr.create_array("acquisition.zarr", dtype="uint16",
    shape=(1, 256, 256), chunks=(1, 256, 256), overwrite=True)
frames[0] = frame(0)
view = ZarrView("acquisition.zarr", colormap="magma",
                contrast=(0, 4000), height=360)
view"""

WRITER_CELL = """\
import time

for t in range(1, 60):  # the acquisition: a frame every half second
    time.sleep(0.5)
    frames.resize((t + 1, 256, 256))
    frames[t] = frame(t)"""

WIDGET = ".jp-OutputArea .zarrview"
PANEL = ".jp-ZarrPanel .zarrview"


def shown_frame(page: Any, root: str) -> tuple[int, int] | None:
    """The (index, last) a viewer's slider label says, once the plane is drawn; else None."""
    text = page.evaluate(
        """root => { const v = document.querySelector(root);
          const label = v && v.querySelector('.zarrview-slider-value');
          return v && v.dataset.state === 'idle' && label ? label.textContent : null; }""",
        root,
    )
    match = re.match(r"\s*(\d+)\s*/\s*(\d+)", text or "")
    return (int(match[1]), int(match[2])) if match else None


def wait_following(page: Any, root: str, at_least: int, timeout: float = 30_000) -> int:
    """Until the viewer shows its last frame, at least frame ``at_least``; that frame."""
    page.wait_for_function(
        """([root, k]) => { const v = document.querySelector(root);
          const label = v && v.querySelector('.zarrview-slider-value');
          const m = label && /^\\s*(\\d+)\\s*\\/\\s*(\\d+)/.exec(label.textContent);
          return m && +m[1] === +m[2] && +m[1] >= k && v.dataset.state === 'idle'; }""",
        arg=[root, at_least],
        timeout=timeout,
    )
    shown = shown_frame(page, root)
    assert shown is not None
    return shown[0]


def test_a_cell_writes_frames_while_the_widget_and_the_tab_follow(page, lab):
    name = write_notebook(lab.root, [VIEW_CELL, WRITER_CELL], name="acquisition.ipynb")
    page.set_viewport_size({"width": 1440, "height": 1000})
    open_notebook(page, lab.url, name)
    # The picture shows the notebook and the tab, not the file browser.
    page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
    run_all(page)
    page.wait_for_selector(f"{WIDGET}[data-live='live']", timeout=60_000)
    # The store's tab, beside the notebook: the panel reads over HTTP, with no kernel.
    page.evaluate(
        """async () => {
          const app = window.jupyterapp;
          const notebook = app.shell.currentWidget;
          await app.commands.execute('zarrview:open', {path: 'acquisition.zarr',
            state: {colormap: 'magma', contrast: [0, 4000]}});
          const panel = [...app.shell.widgets('main')].find(w => w.hasClass('jp-ZarrPanel'));
          app.shell.add(panel, 'main', {mode: 'split-right', ref: notebook.id});
          app.shell.activateById(notebook.id);
        }"""
    )
    page.wait_for_selector(f"{PANEL}[data-live='live']", timeout=60_000)
    running = page.locator(".jp-Cell").nth(1).locator(".jp-InputArea-prompt")
    try:
        first = wait_following(page, WIDGET, 4)
        wait_following(page, PANEL, first)
        # Both keep following while the writer's cell runs: a later frame, on both.
        later = wait_following(page, WIDGET, first + 3)
        assert wait_following(page, PANEL, later) >= later
        assert running.inner_text().strip() == "[*]:"  # the kernel is busy writing
        for root in (WIDGET, PANEL):
            assert page.locator(f"{root} .zarrview-live").inner_text().strip() == "● live"
        page.screenshot(path=readme_picture("live.png"))
    finally:
        page.evaluate(
            "() => [...window.jupyterapp.shell.widgets('main')].find(w => w.sessionContext)"
            ".sessionContext.session.kernel.interrupt()"
        )
    page.wait_for_function(
        "el => el.textContent.trim() !== '[*]:'", arg=running.element_handle(), timeout=30_000
    )
    # The README's pause: from Python, the widget stops following and says so.
    run_code(page, "view.live = False")
    page.wait_for_selector(f"{WIDGET}[data-live='paused']", timeout=10_000)
    assert page.locator(f"{WIDGET} .zarrview-live").inner_text().strip() == "❚❚ paused"
