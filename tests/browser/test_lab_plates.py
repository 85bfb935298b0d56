"""A plate in JupyterLab's panel: its wells in their rows and columns, named, and a click on a
well opening it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import zarr
from lab_driver import canvas_pixels, readme_picture
from plate_stores import write_plate

PANEL = ".jp-ZarrPanel:not(.lm-mod-hidden) .zarrview"
SIZE = 64  # a field's y and x


@pytest.fixture(scope="module")
def plate(lab: Any) -> str:
    # One field per well, single channel, each well a constant: 10 * (row + 1) + column.
    wells = {
        f"{r}/{c}": [np.full((SIZE, SIZE), 10 * (i + 1) + j, dtype=np.uint8)]
        for i, r in enumerate("AB")
        for j, c in enumerate("123")
        if (r, c) != ("A", "2")  # a well the plate lists but nobody wrote
    }
    listed = [f"{r}/{c}" for r in "AB" for c in "123"]
    write_plate(lab.root / "screen.ome.zarr", "0.4", "AB", "123", wells, listed=listed, axes="yx")
    return "screen.ome.zarr"


def test_a_plate_shows_its_wells_in_place_and_a_click_opens_one(page, lab, plate):
    page.goto(f"{lab.url}lab?reset")
    page.wait_for_selector(".jp-DirListing-item", timeout=60_000)
    page.evaluate(
        """path => window.jupyterapp.commands.execute('zarrview:open', {path, state: {
             contrast: [0, 255], colormap: 'gray', zoom: 2, center: [64, 96]}})""",
        plate,
    )
    page.wait_for_selector(f"{PANEL}[data-state='idle']", timeout=60_000)
    width, height = page.evaluate(
        "s => { const c = document.querySelector(s + ' .zarrview-canvas');"
        " return [c.clientWidth, c.clientHeight]; }",
        PANEL,
    )

    def screen(r: float, c: float) -> tuple[float, float]:  # zoom 2 about level-0 (64, 96)
        return ((c - 96) * 2 + width / 2, (r - 64) * 2 + height / 2)

    cells = [(i, j) for i in range(2) for j in range(3)]
    centres = {(i, j): screen((i + 0.5) * SIZE, (j + 0.5) * SIZE) for i, j in cells}
    got = dict(zip(centres, canvas_pixels(page, list(centres.values())), strict=True))
    for (i, j), rgba in got.items():
        want = 0 if (i, j) == (0, 1) else 10 * (i + 1) + j  # the missing well is fill
        assert abs(rgba[0] - want) <= 1, ((i, j), rgba)
    names = page.locator(f"{PANEL} .zarrview-plate-name")
    assert sorted(names.all_inner_texts()) == sorted(["A", "B", "1", "2", "3"])

    x, y = centres[(1, 2)]
    box = page.locator(f"{PANEL} .zarrview-canvas").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.locator(f"{PANEL} .zarrview-plate-hover", has_text="B3").wait_for(timeout=10_000)
    page.mouse.click(box["x"] + x, box["y"] + y)
    # The well opens in a tab of its own: a mosaic of its one field.
    page.wait_for_selector(".lm-TabBar-tab.lm-mod-current:has-text('B/3')", timeout=30_000)
    page.wait_for_selector(f"{PANEL}[data-state='idle']", timeout=60_000)
    # Its values are the well's: the read-out under the pointer says so (the new tab measures
    # its own contrast, so the pixels alone would not).
    box = page.locator(f"{PANEL} .zarrview-canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator(f"{PANEL} .zarrview-readout", has_text=": 22").wait_for(timeout=10_000)


def test_a_plate_of_cells_costs_fewer_requests_than_wells(page, lab):
    from label_stores import ome_zarr_writer
    from plate_stores import ome_format

    from jupyter_zarrview.sample_data import SampleSpec, write_sample_image

    rows, columns = "ABCD", [str(j) for j in range(1, 7)]
    root = zarr.open_group(str(lab.root / "cells-plate.ome.zarr"), mode="w", zarr_format=2)
    writer = ome_zarr_writer()
    wells = [f"{r}/{c}" for r in rows for c in columns]
    writer.write_plate_metadata(root, list(rows), columns, wells, fmt=ome_format("0.4"))
    for k, well in enumerate(wells):
        group = root.require_group(well)
        writer.write_well_metadata(group, [{"path": "0"}], fmt=ome_format("0.4"))
        spec = SampleSpec(z=2, y=192, x=192, cells=6, levels=2, chunks=(2, 96, 96), seed=k)
        write_sample_image(lab.root / "cells-plate.ome.zarr" / well / "0", spec)
    tiles: list[str] = []
    page.on("request", lambda r: tiles.append(r.url) if "/api/v1/tile" in r.url else None)
    page.goto(f"{lab.url}lab?reset")
    page.wait_for_selector(".jp-DirListing-item", timeout=60_000)
    page.evaluate(
        "path => window.jupyterapp.commands.execute('zarrview:open', {path})",
        "cells-plate.ome.zarr",
    )
    page.wait_for_selector(f"{PANEL}[data-state='idle']", timeout=60_000)
    assert 0 < len(tiles) < len(wells), tiles
    names = page.locator(f"{PANEL} .zarrview-plate-name").all_inner_texts()
    assert sorted(names) == sorted([*rows, *columns])
    page.wait_for_timeout(300)
    page.locator(PANEL).screenshot(path=readme_picture("plate.png"))
