"""ZarrView in a real JupyterLab notebook, in headless Chromium: pixels against the array."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zarr
from lab_driver import (
    canvas_pixels,
    open_notebook,
    readme_picture,
    run_all,
    run_cell,
    run_code,
    screenshot_cells,
    wait_idle,
    wait_index,
    write_notebook,
)

from jupyter_zarrview.sample_data import SampleSpec, write_sample_image

ROOT = Path(__file__).resolve().parents[2]
COLORMAPS = json.loads((ROOT / "js/src/viewer/colormaps.json").read_text())
SPEC = SampleSpec(channels=2, z=8, y=600, x=800, cells=12, levels=3, chunks=(4, 128, 128))


def lut(name: str) -> np.ndarray:
    return np.frombuffer(bytes.fromhex(COLORMAPS[name]), dtype=np.uint8).reshape(256, 3)


def expected_single(values: np.ndarray, low: float, high: float, cmap: str) -> np.ndarray:
    """The viewer's colour math (docs/viewer.md): LUT[round(clamp((v-lo)/(hi-lo)) * 255)]."""
    t = np.clip((values.astype(np.float64) - low) / (high - low), 0, 1)
    return lut(cmap)[np.round(t * 255).astype(int)]


@pytest.fixture(scope="module")
def sample(lab) -> np.ndarray:
    path = lab.root / "sample.ome.zarr"
    if not path.exists():
        write_sample_image(path, SPEC)
    return np.asarray(zarr.open_array(str(path / "0"), mode="r"))


def canvas_size(page: Any, nth: int = 0) -> tuple[float, float]:
    size = page.evaluate(
        "n => { const c = document.querySelectorAll('.zarrview-canvas')[n];"
        " return [c.clientWidth, c.clientHeight]; }",
        nth,
    )
    return float(size[0]), float(size[1])


def sample_points(
    page: Any, zoom: float, center: tuple[float, float], shape: tuple[int, int], nth: int = 0
) -> tuple[list[tuple[float, float]], list[tuple[int, int]]]:
    """Screen points at the middle of data pixels, and those pixels' (row, col)."""
    width, height = canvas_size(page, nth)
    screen, data = [], []
    for fy in (0.2, 0.4, 0.5, 0.65, 0.8):
        for fx in (0.15, 0.5, 0.85):
            row = int(center[0] + (fy * height - height / 2) / zoom)
            col = int(center[1] + (fx * width - width / 2) / zoom)
            if 0 <= row < shape[0] and 0 <= col < shape[1]:
                y = (row + 0.5 - center[0]) * zoom + height / 2
                x = (col + 0.5 - center[1]) * zoom + width / 2
                screen.append((x, y))
                data.append((row, col))
    return screen, data


def assert_pixels(page: Any, expected: dict[tuple[int, int], np.ndarray], screen, data, nth=0):
    got = canvas_pixels(page, screen, nth)
    for (row, col), rgba in zip(data, got, strict=True):
        want = expected[(row, col)]
        assert np.abs(np.array(rgba[:3]) - want).max() <= 2, (row, col, rgba, want)


# The sample's channel 1 at z 3, zoomed in: what the path-viewer tests draw and check.
SAMPLE_VIEW_CELL = (
    "from jupyter_zarrview import ZarrView\n"
    "v = ZarrView('sample.ome.zarr', composite=False, colormap='viridis',"
    " contrast=(100, 2500), indices={'c': 1, 'z': 3}, zoom=3.0, center=[300.0, 400.0])\n"
    "v"
)
SAMPLE_VIEW_ZOOM, SAMPLE_VIEW_CENTER = 3.0, (300.0, 400.0)


def check_sample_view_then_next_plane(page: Any, sample: np.ndarray) -> None:
    """The pixels of SAMPLE_VIEW_CELL's view, then of z 5 after a real slider move, which
    the kernel's widget must hear of too."""
    zoom, center = SAMPLE_VIEW_ZOOM, SAMPLE_VIEW_CENTER
    screen, data = sample_points(page, zoom, center, sample.shape[2:])
    for z in (3, 5):
        if z != 3:
            page.locator(".zarrview-slider[data-axis='z'] input[type='range']").fill(str(z))
            wait_index(page, "z", z)
        plane = sample[1, z]
        expected = {(r, c): expected_single(plane[r, c], 100, 2500, "viridis") for r, c in data}
        assert_pixels(page, expected, screen, data)
    assert "{'c': 1, 'z': 5}" in run_code(page, "print(v.indices)")


def test_path_viewer_shows_the_plane_then_the_next_one_and_python_sees_it(page, lab, sample):
    name = write_notebook(lab.root, [SAMPLE_VIEW_CELL])
    open_notebook(page, lab.url, name)
    run_all(page)
    viewer = wait_idle(page, timeout=60_000)
    assert viewer.get_attribute("data-level") == "0"
    assert page.locator(".jp-OutputArea .zarrview").count() == 1
    transport = page.evaluate(
        "() => document.querySelector('.zarrview').parentElement.dataset.transport"
    )
    assert transport == "http"
    check_sample_view_then_next_plane(page, sample)


def test_setting_state_from_python_moves_the_view(page, lab, sample):
    name = write_notebook(
        lab.root,
        [
            "from jupyter_zarrview import ZarrView\n\n"
            "v = ZarrView(\n"
            '    "sample.ome.zarr", composite=False, colormap="gray", contrast=(0, 3000),\n'
            '    indices={"c": 0, "z": 1}, zoom=1.0, center=(300.0, 400.0),\n'
            ")\n"
            "v",
            "# The view follows Python:\n"
            'v.colormap, v.contrast, v.indices = "magma", (200, 1500), {"c": 0, "z": 6}',
        ],
    )
    page.set_viewport_size({"width": 1280, "height": 1400})  # room for both cells' picture
    open_notebook(page, lab.url, name)
    run_cell(page)
    wait_idle(page, timeout=60_000)
    assert page.locator(".zarrview-colormap").input_value() == "gray"
    run_cell(page, then_next=False)
    page.wait_for_function(
        "() => document.querySelector('.zarrview-colormap')?.value === 'magma'", timeout=20_000
    )
    wait_index(page, "z", 6)
    screen, data = sample_points(page, 1.0, (300.0, 400.0), sample.shape[2:])
    plane = sample[0, 6]
    expected = {(r, c): expected_single(plane[r, c], 200, 1500, "magma") for r, c in data}
    assert_pixels(page, expected, screen, data)
    # The README's picture: the cells and the view they made, as checked just now.
    screenshot_cells(page, 2, readme_picture("widget.png"))


def test_zooming_in_switches_to_a_finer_level(page, lab, sample):
    name = write_notebook(
        lab.root,
        ["from jupyter_zarrview import ZarrView\nv = ZarrView('sample.ome.zarr', height=300)\nv"],
    )
    open_notebook(page, lab.url, name)
    run_all(page)
    viewer = wait_idle(page, timeout=60_000)
    fitted_level = int(viewer.get_attribute("data-level"))
    assert fitted_level >= 1
    zoom_in = page.locator(".zarrview-zoom button").first
    for _ in range(3):
        zoom_in.click()
    wait_idle(page)
    assert int(viewer.get_attribute("data-level")) < fitted_level
    assert float(run_code(page, "print(v.zoom)").strip()) > 0


def test_in_kernel_numpy_array_renders_through_kernel_messages(page, lab):
    name = write_notebook(
        lab.root,
        [
            "import numpy as np\nfrom jupyter_zarrview import ZarrView\n"
            "a = (np.arange(3 * 120 * 160).reshape(3, 120, 160) % 997).astype(np.float32)\n"
            "v = ZarrView(a, colormap='gray', contrast=(0, 996), indices={'dim_0': 2},"
            " zoom=2.0, center=[60.0, 80.0])\n"
            "v"
        ],
    )
    open_notebook(page, lab.url, name)
    run_all(page)
    wait_idle(page, timeout=60_000)
    transport = page.evaluate(
        "() => document.querySelector('.zarrview').parentElement.dataset.transport"
    )
    assert transport == "kernel"
    array = (np.arange(3 * 120 * 160).reshape(3, 120, 160) % 997).astype(np.float32)
    screen, data = sample_points(page, 2.0, (60.0, 80.0), (120, 160))
    expected = {(r, c): expected_single(array[2, r, c], 0, 996, "gray") for r, c in data}
    assert_pixels(page, expected, screen, data)


def test_path_viewer_changes_planes_while_the_kernel_is_busy(page, lab, sample):
    name = write_notebook(
        lab.root,
        [
            "from jupyter_zarrview import ZarrView\n"
            "v = ZarrView('sample.ome.zarr', composite=False, colormap='gray',"
            " contrast=(0, 3000), indices={'c': 0, 'z': 0}, zoom=2.0, center=[300.0, 400.0])\n"
            "v",
            "import time\ntime.sleep(90)",
        ],
    )
    open_notebook(page, lab.url, name)
    run_all(page)
    sleeping = page.locator(".jp-Cell").nth(1).locator(".jp-InputArea-prompt")
    try:
        wait_idle(page, timeout=60_000)
        assert sleeping.inner_text().strip() == "[*]:"
        page.locator(".zarrview-slider[data-axis='z'] input[type='range']").fill("7")
        wait_index(page, "z", 7, timeout=10_000)
        assert sleeping.inner_text().strip() == "[*]:"  # the cell was still sleeping
        screen, data = sample_points(page, 2.0, (300.0, 400.0), sample.shape[2:])
        plane = sample[0, 7]
        expected = {(r, c): expected_single(plane[r, c], 0, 3000, "gray") for r, c in data}
        assert_pixels(page, expected, screen, data)
        # A key step on the focused slider: the plane, its label and the thumb all agree.
        slider = page.locator(".zarrview-slider[data-axis='z'] input[type='range']")
        slider.focus()
        page.keyboard.press("ArrowLeft")
        wait_index(page, "z", 6, timeout=10_000)
        assert slider.input_value() == "6"
        page.keyboard.press("ArrowLeft")
        wait_index(page, "z", 5, timeout=10_000)
        assert slider.input_value() == "5"
        assert sleeping.inner_text().strip() == "[*]:"
    finally:
        page.evaluate(
            "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.interrupt()"
        )


def test_wrong_path_shows_its_error_in_the_widget(page, lab):
    name = write_notebook(
        lab.root,
        ["from jupyter_zarrview import ZarrView\nZarrView('no-such-data.zarr')"],
    )
    open_notebook(page, lab.url, name)
    run_all(page)
    error = page.locator(".zarrview .zarrview-error")
    error.wait_for(timeout=60_000)
    assert "no-such-data.zarr" in error.inner_text()
    assert "does not exist" in error.inner_text()


def test_a_group_shows_its_images_and_arrays_and_opens_the_one_picked(page, lab):
    group = zarr.open_group(str(lab.root / "experiment.zarr"), mode="w", zarr_format=2)
    group.create_array("scan", shape=(64, 80), dtype="uint8")[...] = 200
    group.create_array("other", shape=(10, 10), dtype="uint8")
    name = write_notebook(
        lab.root,
        [
            "from jupyter_zarrview import ZarrView\n"
            "ZarrView('experiment.zarr', colormap='gray', contrast=(0, 255))"
        ],
    )
    open_notebook(page, lab.url, name)
    run_all(page)
    choice = page.locator(".zarrview .zarrview-children button", has_text="scan")
    choice.wait_for(timeout=60_000)
    assert choice.inner_text() == "scan (array, 64\u00d780, uint8)"
    assert choice.is_enabled()
    choice.click()
    wait_idle(page, timeout=60_000)
    assert page.locator(".zarrview .zarrview-error").count() == 0
    # Opened by the kernel, then read through the server, which can see it.
    assert page.locator("[data-transport]").first.get_attribute("data-transport") == "http"
    size = page.evaluate(
        "() => { const c = document.querySelector('.jp-OutputArea .zarrview-canvas');"
        " return [c.clientWidth, c.clientHeight]; }"
    )
    ((red, *_),) = canvas_pixels(page, [(size[0] / 2, size[1] / 2)])
    assert abs(red - 200) <= 1
