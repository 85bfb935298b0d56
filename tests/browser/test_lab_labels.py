"""Label images over the image in JupyterLab's panel: ids drawn exactly in their colours, id 0
clear, and the layer controls changing the pixels."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import zarr
from lab_driver import (
    canvas_pixels,
    open_notebook,
    readme_picture,
    run_all,
    run_code,
    wait_idle,
    write_notebook,
)
from label_stores import ome_zarr_writer

from jupyter_zarrview.sample_data import SampleSpec, write_sample_image

PANEL = ".jp-ZarrPanel:not(.lm-mod-hidden) .zarrview"
SIZE = 256
GREY = 40
RED = [255, 0, 0, 255]


@pytest.fixture(scope="module")
def segmented(lab: Any) -> str:
    from ome_zarr.format import FormatV04

    writer = ome_zarr_writer()
    group = zarr.open_group(str(lab.root / "seg.ome.zarr"), mode="w", zarr_format=2)
    writer.write_image(np.full((SIZE, SIZE), GREY, np.uint8), group, axes="yx", fmt=FormatV04())
    ids = np.zeros((SIZE, SIZE), dtype=np.uint32)
    ids[32:96, 32:96] = 1  # a colour given in image-label
    ids[128:224, 128:224] = 2  # none given: the palette's
    writer.write_multiscale_labels(
        [ids],
        group,
        name="cells",
        axes="yx",
        fmt=FormatV04(),
        label_metadata={"colors": [{"label-value": 1, "rgba": RED}]},
    )
    return "seg.ome.zarr"


def at(page: Any, points: list[tuple[int, int]], size: int = SIZE) -> list[list[int]]:
    """RGBA at data pixels (row, col), the view being at zoom 1 centred on the plane."""
    width, height = page.evaluate(
        "s => { const c = document.querySelector(s + ' .zarrview-canvas');"
        " return [c.clientWidth, c.clientHeight]; }",
        PANEL,
    )
    screen = [(c + 0.5 - size / 2 + width / 2, r + 0.5 - size / 2 + height / 2) for r, c in points]
    return canvas_pixels(page, screen)


def test_labels_are_drawn_exactly_over_the_image_and_follow_their_controls(page, lab, segmented):
    page.goto(f"{lab.url}lab?reset")
    page.wait_for_selector(".jp-DirListing-item", timeout=60_000)
    page.evaluate(
        """path => window.jupyterapp.commands.execute('zarrview:open', {path, state: {
             contrast: [0, 255], colormap: 'gray', zoom: 1, center: [128, 128],
             labels: [{name: 'cells', visible: true, opacity: 1, outline: false}]}})""",
        segmented,
    )
    page.wait_for_selector(f"{PANEL}[data-state='idle']", timeout=60_000)
    page.wait_for_function(
        "s => document.querySelector(s + ' .zarrview-label-layer input[type=checkbox]')",
        arg=PANEL,
        timeout=30_000,
    )
    page.wait_for_selector(f"{PANEL}[data-state='idle']", timeout=30_000)
    given, background, hashed = at(page, [(64, 64), (10, 10), (176, 176)])
    assert given == RED
    assert background == [GREY, GREY, GREY, 255]  # id 0 is clear
    assert max(hashed[:3]) >= 200, hashed  # bright...
    assert len(set(hashed[:3])) > 1, hashed  # ...and a colour, not grey

    controls = page.locator(f"{PANEL} .zarrview-label-layer[data-label='cells']")
    opacity = controls.locator(".zarrview-label-opacity")
    opacity.evaluate("el => { el.value = '0.5'; el.dispatchEvent(new Event('input')); }")
    page.wait_for_timeout(300)
    page.wait_for_selector(f"{PANEL}[data-state='idle']", timeout=30_000)
    (half,) = at(page, [(64, 64)])
    assert np.abs(np.array(half[:3]) - [(255 + GREY) / 2, GREY / 2, GREY / 2]).max() <= 1.5, half

    controls.get_by_label("outline labels cells").check()
    page.wait_for_timeout(300)
    edge, inside = at(page, [(32, 64), (64, 64)])
    assert edge[:3] != [GREY] * 3, edge  # the border is drawn...
    assert inside[:3] == [GREY] * 3, inside  # ...and the inside is clear

    controls.get_by_label("show labels cells").uncheck()
    page.wait_for_timeout(300)
    assert at(page, [(32, 64), (176, 176)]) == [[GREY, GREY, GREY, 255]] * 2


def test_the_samples_segmentation_shows_in_its_colours_with_its_ids_named(page, lab):
    spec = SampleSpec(z=4, y=512, x=512, cells=14, levels=2, chunks=(2, 256, 256), labels=True)
    write_sample_image(lab.root / "cells-with-labels.ome.zarr", spec)
    ids = np.asarray(zarr.open_array(str(lab.root / "cells-with-labels.ome.zarr/labels/cells/0")))
    z = spec.z // 2
    page.goto(f"{lab.url}lab?reset")
    page.wait_for_selector(".jp-DirListing-item", timeout=60_000)
    page.evaluate(
        """path => window.jupyterapp.commands.execute('zarrview:open', {path, state: {
             zoom: 1, center: [256, 256],
             labels: [{name: 'cells', visible: true, opacity: 1, outline: false}]}})""",
        "cells-with-labels.ome.zarr",
    )
    page.wait_for_selector(f"{PANEL}[data-state='idle']", timeout=60_000)
    page.wait_for_selector(f"{PANEL} .zarrview-label-layer", timeout=30_000)
    page.wait_for_selector(f"{PANEL}[data-state='idle']", timeout=30_000)
    # Cell 1's colour is given ([255, 200, 0]): wherever the plane has cell 1, that colour.
    rows, cols = np.nonzero(ids[z] == 1)
    inside = [(int(r), int(c)) for r, c in zip(rows, cols, strict=True)][:: max(1, len(rows) // 5)]
    assert inside, "the sample's plane shows cell 1"
    assert all(p[:3] == [255, 200, 0] for p in at(page, inside, 512))
    r, c = inside[0]
    box = page.locator(f"{PANEL} .zarrview-canvas").bounding_box()
    x, y = box["x"] + box["width"] / 2 + c + 0.5 - 256, box["y"] + box["height"] / 2 + r + 0.5 - 256
    page.mouse.move(x, y)
    readout = page.locator(f"{PANEL} .zarrview-readout")
    readout.filter(has_text="cells 1 (cell: cell 1").wait_for(timeout=10_000)
    # The README's picture: the segmentation outlined over the cells.
    labels = page.locator(f"{PANEL} .zarrview-label-layer[data-label='cells']")
    labels.get_by_label("outline labels cells").check()
    page.wait_for_timeout(500)
    page.locator(PANEL).screenshot(path=readme_picture("labels.png"))


def test_label_layers_set_from_python_change_the_widgets_pixels(page, lab, segmented):
    cell = (
        "from jupyter_zarrview import ZarrView\n"
        f"v = ZarrView({segmented!r}, colormap='gray', contrast=(0, 255), zoom=1,"
        " center=(128, 128), labels=[{'name': 'cells', 'opacity': 1}])\n"
        "v"
    )
    open_notebook(page, lab.url, write_notebook(lab.root, [cell]))
    run_all(page)
    wait_idle(page, timeout=60_000)
    root = ".jp-OutputArea .zarrview"
    page.wait_for_selector(f"{root} .zarrview-label-layer", timeout=30_000)
    wait_idle(page, timeout=30_000)

    def pixel(r: int, c: int) -> list[int]:
        width, height = page.evaluate(
            "s => { const c = document.querySelector(s + ' .zarrview-canvas');"
            " return [c.clientWidth, c.clientHeight]; }",
            root,
        )
        point = (c + 0.5 - SIZE / 2 + width / 2, r + 0.5 - SIZE / 2 + height / 2)
        return canvas_pixels(page, [point])[0]

    assert pixel(64, 64) == RED
    run_code(page, "v.labels = [{'name': 'cells', 'opacity': 0.5}]")
    page.wait_for_function(
        "s => document.querySelector(s + ' .zarrview-label-opacity').value === '0.5'",
        arg=root,
        timeout=10_000,
    )
    page.wait_for_timeout(300)
    half = pixel(64, 64)
    assert np.abs(np.array(half[:3]) - [(255 + GREY) / 2, GREY / 2, GREY / 2]).max() <= 1.5, half
    run_code(page, "v.labels = [{'name': 'cells', 'visible': False}]")
    page.wait_for_timeout(500)
    assert pixel(64, 64) == [GREY, GREY, GREY, 255]
    # What the user sets in the controls comes back to Python.
    page.locator(f"{root} .zarrview-label-layer").get_by_label("show labels cells").check()
    page.wait_for_timeout(500)
    assert "True" in run_code(page, "print(v.labels[0]['visible'])")
