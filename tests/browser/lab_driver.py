"""Driving notebooks and reading the viewer back, in real JupyterLab and Notebook 7 pages."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

IDLE = ".zarrview[data-state='idle']"
_ROOT = Path(__file__).resolve().parents[2]


def readme_picture(name: str) -> str:
    """Where a test saves the picture the README shows as ``docs/images/<name>``.

    The README's copy is tracked: it is replaced only when ``ZARRVIEW_WRITE_PICTURES=1`` asks
    for it, so that a test run leaves a clean checkout. Otherwise the picture goes to the
    git-ignored ``test-results/``, to look at after a run.
    """
    asked = os.environ.get("ZARRVIEW_WRITE_PICTURES", "") not in ("", "0")
    folder = _ROOT / ("docs/images" if asked else "test-results")
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / name)


def write_notebook(root: Path, cells: list[str], name: str | None = None) -> str:
    """A notebook of code cells under the lab's root; returns its path relative to the root."""
    name = name or f"nb-{uuid.uuid4().hex[:8]}.ipynb"
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": uuid.uuid4().hex[:8],
                "metadata": {},
                "outputs": [],
                "source": source,
            }
            for source in cells
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (root / name).write_text(json.dumps(notebook))
    return name


def open_notebook(page: Any, lab_url: str, name: str) -> None:
    # ?reset opens a clean workspace: only this notebook, not every earlier test's.
    page.goto(f"{lab_url}lab/tree/{name}?reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    wait_kernel_idle(page)


def open_notebook7(page: Any, server_url: str, name: str) -> None:
    """Opens a notebook in Notebook 7's own notebook page, as its file browser does."""
    page.goto(f"{server_url}notebooks/{name}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    wait_kernel_idle(page)


def wait_kernel_idle(page: Any) -> None:
    # The kernel is ready when its status says idle. JupyterLab and Notebook 7 both show the
    # notebook as the shell's current widget.
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
        timeout=60_000,
    )


def run_all(page: Any) -> None:
    # Not awaited: the command's promise settles only when the last cell finishes.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def run_all_from_menu(page: Any) -> None:
    """Run > Run All Cells from the menu bar, which JupyterLab and Notebook 7 share."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def run_cells_with_keyboard(page: Any) -> None:
    """Shift+Enter on each cell in turn, from the first one, in command mode."""
    cells = page.locator(".jp-Notebook .jp-Cell")
    count = cells.count()
    cells.first.locator(".jp-InputPrompt").click()
    for _ in range(count):
        page.keyboard.press("Shift+Enter")


def run_cell(page: Any, *, then_next: bool = True) -> None:
    """Runs the active cell; ``then_next`` makes the next one active, as Shift+Enter does."""
    command = "notebook:run-cell-and-select-next" if then_next else "notebook:run-cell"
    # Not awaited, like run_all: the promise settles when the cell finishes.
    page.evaluate("c => { window.jupyterapp.commands.execute(c); }", command)


def screenshot_cells(page: Any, count: int, path: str) -> None:
    """A picture of the notebook's first ``count`` cells, outputs included."""
    page.evaluate("() => { document.querySelector('.jp-WindowedPanel-outer').scrollTop = 0; }")
    boxes = [page.locator(".jp-Notebook .jp-Cell").nth(i).bounding_box() for i in range(count)]
    top, bottom = boxes[0]["y"], max(b["y"] + b["height"] for b in boxes)
    left, right = boxes[0]["x"], max(b["x"] + b["width"] for b in boxes)
    page.screenshot(
        path=path, clip={"x": left, "y": top, "width": right - left, "height": bottom - top}
    )


def run_code(page: Any, code: str, timeout: float = 30.0) -> str:
    """Runs code in the notebook's kernel (not in a cell) and returns what it printed."""
    return str(
        page.evaluate(
            """async ([code, timeout]) => {
              const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
              const future = kernel.requestExecute({ code, store_history: false });
              let out = '';
              future.onIOPub = msg => {
                if (msg.header.msg_type === 'stream') out += msg.content.text;
                if (msg.header.msg_type === 'error') out += 'ERROR: ' + msg.content.evalue;
              };
              await Promise.race([
                future.done,
                new Promise((_, no) => setTimeout(() => no(new Error('timeout')), timeout * 1000)),
              ]);
              return out;
            }""",
            [code, timeout],
        )
    )


def wait_idle(page: Any, nth: int = 0, timeout: float = 30_000) -> Any:
    viewer = page.locator(".zarrview").nth(nth)
    viewer.wait_for(timeout=timeout)
    page.wait_for_function(
        "n => { const v = document.querySelectorAll('.zarrview')[n];"
        " return v && v.dataset.state === 'idle'; }",
        arg=nth,
        timeout=timeout,
    )
    return viewer


def canvas_pixels(page: Any, points: list[tuple[float, float]], nth: int = 0) -> list[list[int]]:
    """RGBA of the image canvas at CSS-pixel points (x, y) relative to the canvas."""
    return list(
        page.evaluate(
            """([points, n]) => {
              const root = document.querySelectorAll('.zarrview')[n];
              const canvas = root.querySelector('.zarrview-canvas');
              const scaleX = canvas.width / canvas.clientWidth;
              const scaleY = canvas.height / canvas.clientHeight;
              const copy = document.createElement('canvas');
              copy.width = canvas.width; copy.height = canvas.height;
              const ctx = copy.getContext('2d');
              ctx.drawImage(canvas, 0, 0);
              return points.map(([x, y]) => Array.from(
                ctx.getImageData(Math.floor(x * scaleX), Math.floor(y * scaleY), 1, 1).data));
            }""",
            [points, nth],
        )
    )


def wait_index(page: Any, axis: str, index: int, timeout: float = 30_000) -> None:
    """Waits until the viewer shows plane ``index`` of ``axis`` completely."""
    page.wait_for_function(
        """([axis, index]) => {
          const v = document.querySelector('.zarrview');
          const slider = v && v.querySelector(`.zarrview-slider[data-axis='${axis}']`);
          const label = slider && slider.querySelector('.zarrview-slider-value');
          return label && label.textContent.startsWith(`${index} /`) && v.dataset.state === 'idle';
        }""",
        arg=[axis, index],
        timeout=timeout,
    )
