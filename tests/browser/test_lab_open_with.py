""".zarr.zip files as JupyterLab documents: Open With > ZarrView, double-click, no content load."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
import zarr
from lab_driver import wait_index
from test_notebook_widget import assert_pixels, canvas_size, expected_single, sample_points
from zarr.storage import ZipStore

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

DOC = ".jp-ZarrDocument:not(.lm-mod-hidden) .zarrview"
TAB_LABEL = "#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel"
SHAPE = (3, 48, 64)
ZIPS = ("stack.zarr.zip", "dbl.zarr.zip", "moving.zarr.zip")  # one per test that opens one
# The contents API's answer without content is a few hundred bytes of JSON; the zip of random
# uint16s is many times that.
METADATA_BYTES = 2048


def write_zip(path: Path, data: np.ndarray) -> None:
    with ZipStore(path, mode="w") as store:
        arr = zarr.create_array(
            store,
            shape=data.shape,
            chunks=(1, 16, 16),
            dtype=data.dtype,
            dimension_names=["z", "y", "x"],
            zarr_format=3,
        )
        arr[...] = data


@pytest.fixture(scope="module")
def stack(lab) -> Iterator[np.ndarray]:
    data = np.random.default_rng(11).integers(0, 4096, size=SHAPE, dtype=np.uint16)
    for name in ZIPS:
        write_zip(lab.root / name, data)
    assert (lab.root / "stack.zarr.zip").stat().st_size > 4 * METADATA_BYTES
    (lab.root / "notes.txt").write_text("not Zarr\n")
    yield data
    # Later modules share the server's root, and the README's picture shows its listing.
    for name in (*ZIPS, "moved.zarr.zip", "notes.txt"):
        (lab.root / name).unlink(missing_ok=True)


class Requests:
    """Every request the page makes, kept to inspect after the fact."""

    def __init__(self, page: Any) -> None:
        self.all: list[Any] = []
        page.on("request", lambda request: self.all.append(request))

    def contents_of(self, name: str) -> list[Any]:
        return [r for r in self.all if f"/api/contents/{name}" in r.url]


def open_lab(page: Any, lab: Any) -> None:
    page.goto(f"{lab.url}lab?reset")  # a clean workspace: no tab from an earlier test
    page.wait_for_selector(".jp-DirListing-item", timeout=60_000)


def open_with_labels(page: Any, name: str) -> list[str]:
    """Right-clicks ``name`` in the file browser and lists its Open With submenu."""
    page.locator(".jp-DirListing-item", has_text=name).click(button="right")
    page.locator(".lm-Menu-item:visible", has_text=re.compile(r"^Open With")).hover()
    submenu = page.locator(".lm-Menu").nth(1)
    submenu.wait_for(timeout=10_000)
    return [label.strip() for label in submenu.locator(".lm-Menu-itemLabel").all_inner_texts()]


def model_state(page: Any) -> dict[str, Any]:
    """The current document's view state, as its viewer keeps it."""
    return dict(
        page.evaluate(
            "() => { const m = window.jupyterapp.shell.currentWidget.content.model;"
            " return { indices: m.get('indices'), contrast: m.get('contrast'),"
            " zoom: m.get('zoom'), center: m.get('center') }; }"
        )
    )


def doc_idle(page: Any, timeout: float = 30_000) -> None:
    """The document's viewer has drawn its view, with the contrast the data gave it."""
    page.wait_for_selector(f"{DOC}[data-state='idle']", timeout=timeout)
    page.wait_for_function(
        "s => { const v = document.querySelector(s);"
        " const w = window.jupyterapp.shell.currentWidget;"
        " return v && v.dataset.state === 'idle' && w.content.model.get('contrast') !== null; }",
        arg=DOC,
        timeout=timeout,
    )


def check_fitted_plane(page: Any, plane: np.ndarray, first: np.ndarray) -> None:
    """The fitted view of ``plane`` in gray, at the contrast the viewer took from the ``first``
    plane it showed: its 0.1 and 99.9 percentiles."""
    low, high = np.percentile(first.astype(np.float64), [0.1, 99.9])
    contrast = model_state(page)["contrast"]
    assert np.allclose(contrast, [low, high]), (contrast, low, high)
    width, height = canvas_size(page)
    rows, cols = plane.shape
    zoom = min(width / cols, height / rows)
    screen, data = sample_points(page, zoom, (rows / 2, cols / 2), plane.shape)
    expected = {(r, c): expected_single(plane[r, c], low, high, "gray") for r, c in data}
    assert_pixels(page, expected, screen, data)


def test_open_with_zarrview_shows_the_zip_without_loading_its_content(page, lab, stack):
    requests = Requests(page)
    open_lab(page, lab)
    item = page.locator(".jp-DirListing-item", has_text="stack.zarr.zip")
    assert item.get_attribute("data-file-type") == "zarr-zip"

    labels = open_with_labels(page, "stack.zarr.zip")
    assert labels[0] == "ZarrView", labels  # the default for the type, listed first
    page.locator(".lm-Menu-itemLabel:visible", has_text=re.compile(r"^ZarrView$")).click()
    doc_idle(page)
    assert page.locator(TAB_LABEL).inner_text() == "stack.zarr.zip"
    assert model_state(page)["indices"] == {"z": 1}  # the middle of the stack
    check_fitted_plane(page, stack[1], stack[1])

    # The document context asked for the file's metadata only, and made no checkpoint (a copy
    # of the whole zip on the server).
    asked = requests.contents_of("stack.zarr.zip")
    assert asked, "the document context never asked for the file"
    for request in asked:
        assert "content=1" not in request.url, request.url
        assert not (request.method == "POST" and "/checkpoints" in request.url), request.url
        response = request.response()
        if request.method == "GET" and "/checkpoints" not in request.url:
            assert "content=0" in request.url, request.url
            assert len(response.body()) < METADATA_BYTES, request.url
    assert not (lab.root / ".ipynb_checkpoints" / "stack-checkpoint.zarr.zip").exists()
    assert json.loads(lab.api("api/sessions")) == []  # and started no kernel

    # "Open in ZarrView" on the same file shows this tab rather than a second one.
    item.click(button="right")
    page.locator(".lm-Menu-item:visible", has_text="Open in ZarrView").click()
    page.wait_for_timeout(500)
    assert page.locator(".jp-ZarrDocument").count() == 1
    assert page.locator(".jp-ZarrPanel").count() == 0


def test_open_with_does_not_offer_zarrview_for_other_files(page, lab, stack):
    open_lab(page, lab)
    labels = open_with_labels(page, "notes.txt")
    assert "Editor" in labels, labels
    assert "ZarrView" not in labels, labels


def test_double_click_opens_the_viewer_and_the_tab_comes_back_after_a_reload(page, lab, stack):
    open_lab(page, lab)
    page.locator(".jp-DirListing-item", has_text="dbl.zarr.zip").dblclick()
    doc_idle(page)
    assert page.locator(TAB_LABEL).inner_text() == "dbl.zarr.zip"
    check_fitted_plane(page, stack[1], stack[1])

    # Move to the next plane with the keyboard; the restored tab must show that plane.
    page.locator(DOC).focus()
    page.keyboard.press("ArrowRight")
    wait_index(page, "z", 2)
    state = model_state(page)
    page.wait_for_timeout(1500)  # the layout restorer saves the workspace after a debounce
    page.reload()
    doc_idle(page, timeout=60_000)
    wait_index(page, "z", 2)
    assert page.locator(TAB_LABEL).inner_text() == "dbl.zarr.zip"
    assert page.locator(".jp-ZarrDocument").count() == 1
    assert model_state(page) == state
    check_fitted_plane(page, stack[2], stack[1])


def test_a_renamed_zip_keeps_its_tab_and_the_viewer_follows_it(page, lab, stack):
    open_lab(page, lab)
    page.locator(".jp-DirListing-item", has_text="moving.zarr.zip").dblclick()
    doc_idle(page)
    page.evaluate(
        "() => window.jupyterapp.serviceManager.contents"
        ".rename('moving.zarr.zip', 'moved.zarr.zip')"
    )
    page.wait_for_function(
        "s => document.querySelector(s)?.textContent === 'moved.zarr.zip'", arg=TAB_LABEL
    )
    doc_idle(page)
    # A plane not yet seen can only come from the file's new path.
    page.locator(DOC).focus()
    page.keyboard.press("ArrowLeft")
    wait_index(page, "z", 0)
    check_fitted_plane(page, stack[0], stack[1])
