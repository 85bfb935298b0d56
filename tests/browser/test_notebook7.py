"""ZarrView in Jupyter Notebook 7's own notebook page, under a non-root base URL.

Notebook 7 is built from JupyterLab's parts but is its own app with its own pages: these tests
open a notebook there, run it from the UI, and check the pixels and the transport the widget
chose.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
import zarr
from lab_driver import (
    open_notebook7,
    run_all_from_menu,
    run_cells_with_keyboard,
    wait_idle,
    write_notebook,
)
from test_notebook_widget import (
    SAMPLE_VIEW_CELL,
    SPEC,
    assert_pixels,
    check_sample_view_then_next_plane,
    expected_single,
    sample_points,
)

from jupyter_zarrview.sample_data import write_sample_image


@pytest.fixture(scope="module")
def sample(notebook7) -> np.ndarray:
    path = notebook7.root / "sample.ome.zarr"
    if not path.exists():
        write_sample_image(path, SPEC)
    return np.asarray(zarr.open_array(str(path / "0"), mode="r")[...])


def protocol_api(server_url: str) -> str:
    """The path the protocol's requests go to: under the server's base URL."""
    return urlsplit(server_url).path + "zarrview/api/v1/"


def record_protocol_requests(page: Any, api: str) -> list[str]:
    """Paths of the protocol's requests (info, tile, stats) the page makes from now on."""
    paths: list[str] = []

    def on_request(request: Any) -> None:
        path = urlsplit(request.url).path
        if path in {f"{api}info", f"{api}tile", f"{api}stats"}:
            paths.append(path)

    page.on("request", on_request)
    return paths


def assert_notebook7_page(page: Any) -> None:
    assert page.evaluate("() => window.jupyterapp.name") == "Jupyter Notebook"
    assert page.evaluate("() => document.body.dataset.notebook") == "notebooks"


def assert_no_viewer_errors(page: Any) -> None:
    # Notebook 7's own shortcut settings throw uncaught errors on load; only ours matter here.
    ours = [m for m in page.console_messages if m.startswith(("error", "pageerror"))]
    assert not [m for m in ours if "zarrview" in m.lower()], ours


def transport(page: Any) -> str:
    return str(
        page.evaluate("() => document.querySelector('.zarrview').parentElement.dataset.transport")
    )


def test_path_viewer_reads_over_http_and_shows_the_plane_then_the_next(
    notebook7_page, notebook7, sample
):
    page = notebook7_page
    name = write_notebook(notebook7.root, [SAMPLE_VIEW_CELL])
    open_notebook7(page, notebook7.url, name)
    assert_notebook7_page(page)
    api = protocol_api(notebook7.url)
    assert api == "/user/bob/zarrview/api/v1/"
    requests = record_protocol_requests(page, api)
    run_all_from_menu(page)
    viewer = wait_idle(page, timeout=60_000)
    assert page.locator(".jp-OutputArea .zarrview").count() == 1
    assert viewer.get_attribute("data-level") == "0"
    # The server under its base URL, not the kernel, sent the tiles.
    assert transport(page) == "http"
    assert f"{api}info" in requests
    assert f"{api}tile" in requests

    check_sample_view_then_next_plane(page, sample)
    assert_no_viewer_errors(page)


def test_in_kernel_array_renders_through_kernel_messages(notebook7_page, notebook7):
    page = notebook7_page
    name = write_notebook(
        notebook7.root,
        [
            "import numpy as np\nfrom jupyter_zarrview import ZarrView",
            "a = (np.arange(4 * 90 * 130).reshape(4, 90, 130) * 7 % 4001).astype(np.uint16)\n"
            "v = ZarrView(a, colormap='magma', contrast=(0, 4000), indices={'dim_0': 3},"
            " zoom=2.0, center=[45.0, 65.0])\n"
            "v",
        ],
    )
    open_notebook7(page, notebook7.url, name)
    assert_notebook7_page(page)
    requests = record_protocol_requests(page, protocol_api(notebook7.url))
    run_cells_with_keyboard(page)
    wait_idle(page, timeout=60_000)
    assert transport(page) == "kernel"
    assert requests == []  # the server has no such array: nothing was asked of it

    array = (np.arange(4 * 90 * 130).reshape(4, 90, 130) * 7 % 4001).astype(np.uint16)
    screen, data = sample_points(page, 2.0, (45.0, 65.0), (90, 130))
    expected = {(r, c): expected_single(array[3, r, c], 0, 4000, "magma") for r, c in data}
    assert_pixels(page, expected, screen, data)
    assert_no_viewer_errors(page)
