"""The JupyterLab side: open a .zarr from the file browser, the palette and links, no kernel."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
import zarr
from browser_setup import CHROMIUM, CHROMIUM_ARGS
from lab_driver import canvas_pixels, readme_picture
from test_notebook_widget import SPEC, expected_single, sample  # noqa: F401 - a fixture

import jupyter_zarrview

PANEL = ".jp-ZarrPanel:not(.lm-mod-hidden) .zarrview"
# The sample's OME channels: colour and window (docs/viewer.md has the composite math).
CHANNELS = [((0x00, 0xA2, 0xFF), (0, 4000)), ((0xFF, 0x00, 0xFF), (0, 3000))]


def expected_composite(values: np.ndarray) -> np.ndarray:
    total = np.zeros(3)
    for value, (color, (low, high)) in zip(values, CHANNELS, strict=True):
        t = np.clip((float(value) - low) / (high - low), 0, 1)
        total += t * np.array(color) / 255
    return np.round(np.minimum(total, 1) * 255)


def open_lab(page: Any, lab: Any, query: str = "") -> None:
    page.goto(f"{lab.url}lab{query}")
    page.wait_for_selector(".jp-DirListing-item", timeout=60_000)


def panel_idle(page: Any, timeout: float = 30_000) -> Any:
    page.wait_for_selector(f"{PANEL}[data-state='idle']", timeout=timeout)
    return page.locator(PANEL)


def check_fitted_composite(page: Any, level_arrays: list[np.ndarray]) -> None:
    """The fitted view: level L's pixel (i, j) covers level-0 [i f, (i + 1) f), f = 2^L."""
    viewer = page.locator(PANEL)
    level = int(viewer.get_attribute("data-level"))
    size = page.evaluate(
        "s => { const c = document.querySelector(s + ' .zarrview-canvas');"
        " return [c.clientWidth, c.clientHeight]; }",
        PANEL,
    )
    width, height = float(size[0]), float(size[1])
    rows0, cols0 = SPEC.y, SPEC.x
    zoom = min(width / cols0, height / rows0)
    factor = 2**level
    data = level_arrays[level]
    points, cells = [], []
    for fy in (0.3, 0.45, 0.5, 0.6, 0.7):
        for fx in (0.3, 0.5, 0.7):
            i = int((rows0 / 2 + (fy * height - height / 2) / zoom) / factor)
            j = int((cols0 / 2 + (fx * width - width / 2) / zoom) / factor)
            y = ((i + 0.5) * factor - rows0 / 2) * zoom + height / 2
            x = ((j + 0.5) * factor - cols0 / 2) * zoom + width / 2
            points.append((x, y))
            cells.append((i, j))
    got = page.evaluate(
        """([selector, points]) => {
          const canvas = document.querySelector(selector + ' .zarrview-canvas');
          const copy = document.createElement('canvas');
          copy.width = canvas.width; copy.height = canvas.height;
          const ctx = copy.getContext('2d');
          ctx.drawImage(canvas, 0, 0);
          const sx = canvas.width / canvas.clientWidth, sy = canvas.height / canvas.clientHeight;
          return points.map(([x, y]) => Array.from(
            ctx.getImageData(Math.floor(x * sx), Math.floor(y * sy), 1, 1).data));
        }""",
        [PANEL, points],
    )
    z = SPEC.z // 2  # the sample's OME rdefs defaultZ
    # At a fitted, fractional zoom a tile's edges snap to whole screen pixels, which can move a
    # pixel's footprint by half a screen pixel: the colour must be that of the data pixel or of
    # one of its neighbours (exact placement is checked at whole zooms in the link test).
    for (i, j), rgba in zip(cells, got, strict=True):
        near = [
            expected_composite(data[:, z, i + di, j + dj])
            for di in (-1, 0, 1)
            for dj in (-1, 0, 1)
            if 0 <= i + di < data.shape[2] and 0 <= j + dj < data.shape[3]
        ]
        errors = [np.abs(np.array(rgba[:3]) - want).max() for want in near]
        assert min(errors) <= 2, ((i, j), rgba, near[4] if len(near) == 9 else near)


@pytest.fixture(scope="module")
def levels(lab, sample) -> list[np.ndarray]:  # noqa: F811 - the fixture of the same name
    group = zarr.open_group(str(lab.root / "sample.ome.zarr"), mode="r")
    (lab.root / "plain-folder").mkdir(exist_ok=True)
    arrays = [group[str(i)] for i in range(SPEC.levels)]
    assert all(isinstance(a, zarr.Array) for a in arrays)
    return [np.asarray(a) for a in arrays]


def test_context_menu_opens_a_zarr_folder_in_a_tab_that_survives_a_reload(page, lab, levels):
    open_lab(page, lab, "?reset")
    item = page.locator(".jp-DirListing-item", has_text="sample.ome.zarr")
    assert item.get_attribute("data-file-type") == "zarr"

    page.locator(".jp-DirListing-item", has_text="plain-folder").click(button="right")
    page.wait_for_selector(".lm-Menu", timeout=10_000)
    assert page.locator(".lm-Menu-item:visible", has_text="Open in ZarrView").count() == 0
    page.keyboard.press("Escape")

    item.click(button="right")
    page.locator(".lm-Menu-item:visible", has_text="Open in ZarrView").click()
    panel_idle(page)
    tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")
    assert tab.inner_text() == "sample.ome.zarr"
    check_fitted_composite(page, levels)
    page.screenshot(path=readme_picture("panel.png"))
    sessions = json.loads(lab.api("api/sessions"))
    assert sessions == []  # no kernel was started for the panel

    page.wait_for_timeout(1500)  # the layout restorer saves the workspace after a debounce
    page.reload()
    panel_idle(page, timeout=60_000)
    check_fitted_composite(page, levels)


def test_a_zarr_folder_under_any_name_gets_the_menu_item_too(page, lab, levels):
    job_output = lab.root / "job-output"
    if not job_output.exists():
        arr = zarr.create_array(str(job_output), shape=(64, 80), chunks=(32, 32), dtype="uint8")
        arr[...] = np.arange(64 * 80).reshape(64, 80) % 251
    open_lab(page, lab, "?reset")
    item = page.locator(".jp-DirListing-item", has_text="job-output")
    item.click(button="right")
    page.locator(".lm-Menu-item:visible", has_text="Open in ZarrView").click()
    panel_idle(page)
    tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")
    assert tab.inner_text() == "job-output"


def test_palette_command_opens_a_path(page, lab, levels):
    open_lab(page, lab, "?reset")
    page.keyboard.press("Control+Shift+C")
    page.keyboard.type("Open Zarr path")
    page.locator(".lm-CommandPalette-item", has_text="Open Zarr path").first.click()
    field = page.locator(".jp-Dialog input")
    field.fill("sample.ome.zarr")
    field.press("Enter")
    panel_idle(page)
    check_fitted_composite(page, levels)


def check_link_view(page: Any, lab: Any, data: np.ndarray, renderer: str) -> None:
    server = {"url": lab.url, "root_dir": str(lab.root), "token": lab.token}
    url = jupyter_zarrview.link(
        lab.root / "sample.ome.zarr",
        server=server,
        composite=False,
        colormap="inferno",
        contrast=(150, 2200),
        indices={"c": 1, "z": 2},
        zoom=3.0,
        center=(250.0, 350.0),
    )
    assert url.startswith(f"{lab.url}lab?zarrview=sample.ome.zarr&")
    open_lab(page, lab, "?reset")  # a clean workspace: only the link's tab
    page.goto(url)
    panel_idle(page, timeout=60_000)
    assert "zarrview=" not in page.url  # a reload must not open it twice
    assert page.locator(PANEL).get_attribute("data-renderer") == renderer
    size = page.evaluate(
        "s => { const c = document.querySelector(s + ' .zarrview-canvas');"
        " return [c.clientWidth, c.clientHeight]; }",
        PANEL,
    )
    width, height = float(size[0]), float(size[1])
    points, cells = [], []
    for fy, fx in [(0.3, 0.3), (0.5, 0.5), (0.6, 0.7), (0.7, 0.4)]:
        i = int(250 + (fy * height - height / 2) / 3)
        j = int(350 + (fx * width - width / 2) / 3)
        points.append(((j + 0.5 - 350) * 3 + width / 2, (i + 0.5 - 250) * 3 + height / 2))
        cells.append((i, j))
    index = page.evaluate(
        "s => Array.from(document.querySelectorAll('.zarrview')).indexOf("
        "document.querySelector(s))",
        PANEL,
    )
    got = canvas_pixels(page, points, index)
    for (i, j), rgba in zip(cells, got, strict=True):
        want = expected_single(data[1, 2, i, j], 150, 2200, "inferno")
        assert np.abs(np.array(rgba[:3]) - want).max() <= 2, ((i, j), rgba, want)


def test_a_link_opens_the_same_view(page, lab, sample):  # noqa: F811
    check_link_view(page, lab, sample, "webgl2")


def test_without_webgl_the_canvas_2d_path_draws_the_same_pixels(browser, lab, sample):  # noqa: F811
    no_webgl = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--disable-webgl"], headless=True
    )
    try:
        page = no_webgl.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{lab.url}lab?token={lab.token}")
        check_link_view(page, lab, sample, "canvas2d")
    finally:
        no_webgl.close()


def test_where_webgl_runs_on_the_cpu_the_viewer_chooses_canvas_2d(browser, lab, sample):  # noqa: F811
    # A page without the tests' WebGL2 setting: this Chromium's WebGL is SwiftShader, on the CPU,
    # where every WebGL frame is read back for the software compositor; Canvas 2D is not.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{lab.url}lab?token={lab.token}")
        name = page.evaluate(
            "() => { const gl = document.createElement('canvas').getContext('webgl2');"
            " const i = gl.getExtension('WEBGL_debug_renderer_info');"
            " return gl.getParameter(i.UNMASKED_RENDERER_WEBGL); }"
        )
        assert "SwiftShader" in name
        check_link_view(page, lab, sample, "canvas2d")
    finally:
        context.close()


def test_zarr_url_reads_through_the_running_server(lab, sample):  # noqa: F811
    server = {"url": lab.url, "root_dir": str(lab.root), "token": lab.token}
    store = jupyter_zarrview.zarr_url(lab.root / "sample.ome.zarr", server=server)
    assert store.url == f"{lab.url}zarrview/store/sample.ome.zarr"
    group = zarr.open_group(store.url, mode="r", storage_options=store.storage_options)
    level = group["0"]
    assert isinstance(level, zarr.Array)
    assert np.array_equal(level[1, 3, 100:200, 300:420], sample[1, 3, 100:200, 300:420])
