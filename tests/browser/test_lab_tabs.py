"""Viewer tabs in JupyterLab: one tab per store, however it is opened, and links included."""

from __future__ import annotations

from typing import Any

from test_lab_panel import open_lab, panel_idle
from test_notebook_widget import sample  # noqa: F401 - a fixture

import jupyter_zarrview

TABS = "#jp-main-dock-panel .lm-TabBar-tab"


def viewer_tabs(page: Any) -> list[str]:
    """The labels of the main area's viewer tabs, as many as there are panels."""
    return list(
        page.evaluate(
            """() => [...window.jupyterapp.shell.widgets('main')]
                .filter(w => w.hasClass('jp-ZarrPanel')).map(w => w.title.label)"""
        )
    )


def settle(page: Any) -> None:
    # Routing, the layout restorer and a second routing after ?reset all run within this.
    page.wait_for_timeout(2000)


def test_a_link_under_a_reset_workspace_opens_one_tab(page, lab, sample):  # noqa: F811
    # ?reset clears the workspace, then navigates to the same URL without it: the link's
    # query is routed a second time.
    page.goto(f"{lab.url}lab/workspaces/links?reset&zarrview=sample.ome.zarr")
    panel_idle(page, timeout=60_000)
    settle(page)
    assert viewer_tabs(page) == ["sample.ome.zarr"]
    assert page.locator(TABS, has_text="sample.ome.zarr").count() == 1
    assert "zarrview=" not in page.url


def test_opening_an_open_store_again_focuses_its_tab(page, lab, sample):  # noqa: F811
    open_lab(page, lab, "?reset")
    open_store = "p => window.jupyterapp.commands.execute('zarrview:open', { path: p })"
    page.evaluate(open_store, "sample.ome.zarr")
    panel_idle(page)
    page.evaluate("() => window.jupyterapp.commands.execute('launcher:create')")
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget?.title.label === 'Launcher'", timeout=30_000
    )
    page.evaluate(open_store, "sample.ome.zarr")
    panel_idle(page)
    assert viewer_tabs(page) == ["sample.ome.zarr"]
    assert page.locator(f"{TABS}.lm-mod-current").inner_text() == "sample.ome.zarr"
    # The shell's current widget too, which the palette's commands act on.
    current = page.evaluate("() => window.jupyterapp.shell.currentWidget.title.label")
    assert current == "sample.ome.zarr"


def test_a_link_to_an_open_store_moves_its_tab_to_the_links_view(page, lab, sample):  # noqa: F811
    server = {"url": lab.url, "root_dir": str(lab.root), "token": lab.token}
    open_lab(page, lab, "?reset")
    page.locator(".jp-DirListing-item", has_text="sample.ome.zarr").click(button="right")
    page.locator(".lm-Menu-item:visible", has_text="Open in ZarrView").click()
    panel_idle(page)
    page.wait_for_timeout(1500)  # the layout restorer saves the workspace after a debounce

    url = jupyter_zarrview.link(
        lab.root / "sample.ome.zarr", server=server, zoom=3.0, center=(250.0, 350.0)
    )
    page.goto(url)  # the workspace brings the tab back, and the link names the same store
    panel_idle(page, timeout=60_000)
    settle(page)
    assert viewer_tabs(page) == ["sample.ome.zarr"]
    views = page.evaluate(
        """() => [...window.jupyterapp.shell.widgets('main')]
            .filter(w => w.hasClass('jp-ZarrPanel'))
            .map(w => [w.model.get('zoom'), w.model.get('center')])"""
    )
    assert views == [[3.0, [250.0, 350.0]]]
