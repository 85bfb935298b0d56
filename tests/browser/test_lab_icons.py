"""Zarr stores look like Zarr in JupyterLab: their own icon in the file browser and on tabs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from test_lab_open_with import write_zip
from test_lab_panel import open_lab, panel_idle
from test_notebook_widget import sample  # noqa: F401 - a fixture

if TYPE_CHECKING:
    from collections.abc import Iterator

ICON = "jupyter-zarrview:zarr"
ZIP = "icons.zarr.zip"
CURRENT_TAB_ICON = "#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabIcon svg"


@pytest.fixture(scope="module")
def zipped(lab) -> Iterator[str]:
    write_zip(lab.root / ZIP, np.arange(2 * 32 * 32, dtype=np.uint16).reshape(2, 32, 32))
    yield ZIP
    # Later modules share the server's root, and the README's picture shows its listing.
    (lab.root / ZIP).unlink(missing_ok=True)


def listing_icon(page: Any, name: str) -> str | None:
    item = page.locator(".jp-DirListing-item", has_text=name).first
    icon = item.locator(".jp-DirListing-itemIcon svg")
    icon.wait_for(timeout=10_000)
    value = icon.get_attribute("data-icon")
    return None if value is None else str(value)


def assert_bundled_svg(page: Any, selector: str) -> None:
    # The icon is drawn from the SVG in the extension's bundle: inline shapes, nothing fetched.
    shapes = page.evaluate(
        """s => { const svg = document.querySelector(s);
          const count = q => svg.querySelectorAll(q).length;
          return [count('path'), count('image, use')]; }""",
        selector,
    )
    assert shapes[0] > 0, shapes
    assert shapes[1] == 0, shapes


def test_zarr_folders_and_zips_have_the_zarr_icon_in_the_file_browser(page, lab, sample, zipped):  # noqa: F811
    (lab.root / "plain-folder").mkdir(exist_ok=True)
    open_lab(page, lab, "?reset")
    assert listing_icon(page, "sample.ome.zarr") == ICON
    assert listing_icon(page, zipped) == ICON
    assert listing_icon(page, "plain-folder") == "ui-components:folder"
    assert_bundled_svg(page, f".jp-DirListing-item[data-file-type='zarr'] svg[data-icon='{ICON}']")


def test_a_viewer_tab_carries_the_zarr_icon(page, lab, sample):  # noqa: F811
    open_lab(page, lab, "?reset")
    page.locator(".jp-DirListing-item", has_text="sample.ome.zarr").click(button="right")
    page.locator(".lm-Menu-item:visible", has_text="Open in ZarrView").click()
    panel_idle(page)
    assert page.locator(CURRENT_TAB_ICON).get_attribute("data-icon") == ICON
    assert_bundled_svg(page, CURRENT_TAB_ICON)


def test_a_zip_documents_tab_carries_the_zarr_icon(page, lab, zipped):
    open_lab(page, lab, "?reset")
    page.locator(".jp-DirListing-item", has_text=zipped).dblclick()
    page.wait_for_selector(".jp-ZarrDocument:not(.lm-mod-hidden) .zarrview", timeout=30_000)
    assert page.locator(CURRENT_TAB_ICON).get_attribute("data-icon") == ICON
