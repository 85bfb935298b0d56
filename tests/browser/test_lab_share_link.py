"""Share links from JupyterLab: copied from the file browser, a viewer tab and a document's
toolbar, and read with no credentials by plain HTTP and zarr-python."""

from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np
import pytest
import zarr
from test_lab_open_with import doc_idle, write_zip
from test_lab_panel import PANEL, open_lab, panel_idle
from test_notebook_widget import sample  # noqa: F401 - a fixture

if TYPE_CHECKING:
    from collections.abc import Iterator

LABEL = "Copy Zarr Share Link"
TOAST = ".jp-toast-message"
ZIP = "shared.zarr.zip"


def clipboard_page(page: Any, lab: Any) -> Any:
    """``page`` with leave to read the clipboard back, and a clipboard that holds a marker."""
    parts = urlsplit(lab.url)
    origin = f"{parts.scheme}://{parts.netloc}"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page.evaluate("() => navigator.clipboard.writeText('nothing copied yet')")
    return page


def clipboard(page: Any) -> str:
    return str(page.evaluate("() => navigator.clipboard.readText()"))


def copied(page: Any, timeout: float = 15) -> str:
    """The clipboard once something other than the marker is on it."""
    deadline = time.monotonic() + timeout
    while (text := clipboard(page)) == "nothing copied yet" and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    return text


def toast(page: Any, kind: str, text: str) -> str:
    """The message of the notification of ``kind`` that holds ``text``, once it shows."""
    message = page.locator(f".jp-Notification-Toast-{kind} {TOAST}", has_text=text)
    message.first.wait_for(timeout=15_000)
    return str(message.first.inner_text())


def anonymous_get(url: str) -> tuple[int, bytes]:
    """A GET with no token and no cookie, as neuroglancer or zarrita.js sends it."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def copy_from_file_browser(page: Any, name: str) -> str:
    page.locator(".jp-DirListing-item", has_text=name).click(button="right")
    page.locator(".lm-Menu-item:visible", has_text=LABEL).click()
    message = toast(page, "success", name)
    assert message.startswith("Share link copied; it reads"), message
    assert "without logging in until" in message, message
    return clipboard(page)


@pytest.fixture(scope="module")
def stack(lab) -> Iterator[np.ndarray]:
    data = np.random.default_rng(5).integers(0, 4096, size=(3, 40, 56), dtype=np.uint16)
    write_zip(lab.root / ZIP, data)
    yield data
    # Later modules share the server's root, and the README's picture shows its listing.
    (lab.root / ZIP).unlink(missing_ok=True)


def test_the_file_browser_copies_a_link_that_reads_the_store_without_credentials(
    page,
    lab,
    sample,  # noqa: F811 - the fixture of the same name
):
    clipboard_page(page, lab)
    open_lab(page, lab, "?reset")
    url = copy_from_file_browser(page, "sample.ome.zarr")
    assert url.startswith(f"{lab.url}zarrview/shared/"), url
    assert url.endswith("/sample.ome.zarr"), url

    for key in (".zgroup", ".zattrs", "0/.zarray"):
        status, body = anonymous_get(f"{url}/{key}")
        assert status == 200, (key, body)
        assert body == (lab.root / "sample.ome.zarr" / key).read_bytes()
    # Without the link the same key asks for Jupyter's credentials.
    status, _ = anonymous_get(f"{lab.url}zarrview/store/sample.ome.zarr/.zattrs")
    assert status == 403

    # zarr-python, given the link alone: no token, no storage options.
    group = zarr.open_group(url, mode="r")
    level0, level2 = group["0"], group["2"]
    assert isinstance(level0, zarr.Array)
    assert isinstance(level2, zarr.Array)
    assert np.array_equal(level0[1, 3, 100:200, 300:420], sample[1, 3, 100:200, 300:420])
    local = zarr.open_array(str(lab.root / "sample.ome.zarr" / "2"), mode="r")
    assert np.array_equal(level2[...], local[...])


@pytest.fixture
def folders(lab) -> Iterator[tuple[str, str]]:
    """A Zarr array in a folder whose name does not say so, and a plain folder."""
    zarr_folder, plain = lab.root / "run-output", lab.root / "not-zarr"
    arr = zarr.create_array(str(zarr_folder), shape=(16, 24), chunks=(8, 8), dtype="uint8")
    arr[...] = np.arange(16 * 24, dtype=np.uint8).reshape(16, 24)
    plain.mkdir()
    yield zarr_folder.name, plain.name
    shutil.rmtree(zarr_folder)
    plain.rmdir()


def test_a_zarr_folder_under_any_name_is_offered_and_a_plain_folder_is_not(page, lab, folders):
    zarr_folder, plain = folders
    clipboard_page(page, lab)
    open_lab(page, lab, "?reset")
    page.locator(".jp-DirListing-item", has_text=plain).click(button="right")
    page.wait_for_selector(".lm-Menu", timeout=10_000)
    assert page.locator(".lm-Menu-item:visible", has_text=LABEL).count() == 0
    page.keyboard.press("Escape")

    url = copy_from_file_browser(page, zarr_folder)
    assert url.endswith(f"/{zarr_folder}"), url
    array = zarr.open_array(url, mode="r")
    assert np.array_equal(array[...], np.arange(16 * 24, dtype=np.uint8).reshape(16, 24))


def test_a_viewer_tab_copies_the_link_of_its_store(page, lab, sample):  # noqa: F811
    clipboard_page(page, lab)
    open_lab(page, lab, "?reset")
    page.locator(".jp-DirListing-item", has_text="sample.ome.zarr").click(button="right")
    page.locator(".lm-Menu-item:visible", has_text="Open in ZarrView").click()
    panel_idle(page)

    # On a tab that is not a viewer the item is not offered.
    page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text="Launcher").click(button="right")
    page.wait_for_selector(".lm-Menu", timeout=10_000)
    assert page.locator(".lm-Menu-item:visible", has_text=LABEL).count() == 0
    page.keyboard.press("Escape")

    tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text="sample.ome.zarr")
    tab.click(button="right")
    page.locator(".lm-Menu-item:visible", has_text=LABEL).click()
    toast(page, "success", "sample.ome.zarr")
    url = clipboard(page)
    assert url.startswith(f"{lab.url}zarrview/shared/"), url
    assert url.endswith("/sample.ome.zarr"), url
    status, body = anonymous_get(f"{url}/.zattrs")
    assert status == 200
    assert body == (lab.root / "sample.ome.zarr" / ".zattrs").read_bytes()

    # The palette shares the current viewer tab's store.
    page.evaluate("() => navigator.clipboard.writeText('nothing copied yet')")
    page.locator(PANEL).click()
    page.keyboard.press("Control+Shift+C")
    page.keyboard.type("Copy Zarr Share")
    page.locator(".lm-CommandPalette-item", has_text=LABEL).first.click()
    assert copied(page).endswith("/sample.ome.zarr")


def test_the_zip_documents_toolbar_copies_the_link(page, lab, stack):
    clipboard_page(page, lab)
    open_lab(page, lab, "?reset")
    page.locator(".jp-DirListing-item", has_text=ZIP).dblclick()
    doc_idle(page)
    toolbar = page.locator(".jp-ZarrDocument:not(.lm-mod-hidden) .jp-Toolbar")
    button = toolbar.locator("[data-jp-item-name='zarrview-share']")
    assert button.inner_text().strip() == "Copy share link"
    # A toolbar of the usual height, holding the button, rather than an empty strip.
    box = toolbar.bounding_box()
    assert box is not None
    assert box["height"] >= 24, box
    button.click()
    toast(page, "success", ZIP)
    url = clipboard(page)
    assert url.startswith(f"{lab.url}zarrview/shared/"), url
    assert url.endswith(f"/{ZIP}"), url
    status, body = anonymous_get(f"{url}/zarr.json")
    assert status == 200
    assert json.loads(body)["shape"] == list(stack.shape)
    assert np.array_equal(zarr.open_array(url, mode="r")[...], stack)


def test_a_refusal_shows_the_servers_reason_and_copies_nothing(page, lab, sample):  # noqa: F811
    clipboard_page(page, lab)
    open_lab(page, lab, "?reset")
    # A server with share links switched off answers so; this one has them on, so the answer
    # is stood in for, as that server would send it.
    refusal = {"error": "share links are switched off on this server", "parameter": None}
    page.route(
        "**/zarrview/api/v1/share?**",
        lambda route: route.fulfill(
            status=403, content_type="application/json", body=json.dumps(refusal)
        ),
    )
    page.locator(".jp-DirListing-item", has_text="sample.ome.zarr").click(button="right")
    page.locator(".lm-Menu-item:visible", has_text=LABEL).click()
    message = toast(page, "error", "switched off")
    assert message == f"No share link for sample.ome.zarr: {refusal['error']}"
    assert clipboard(page) == "nothing copied yet"
    page.unroute("**/zarrview/api/v1/share?**")

    # The server's own refusal of a path that holds no store, through the palette's command.
    page.evaluate(
        "() => window.jupyterapp.commands.execute('zarrview:share', {path: 'no-such.zarr'})"
    )
    message = toast(page, "error", "no-such.zarr")
    assert message.startswith("No share link for no-such.zarr: "), message
    assert clipboard(page) == "nothing copied yet"


def test_an_answer_slower_than_the_click_is_copied_from_the_notification(
    page,
    lab,
    sample,  # noqa: F811 - the fixture of the same name
):
    clipboard_page(page, lab)
    open_lab(page, lab, "?reset")
    # The browser lets a click count as leave to write the clipboard for a few seconds only;
    # the page is told that they have passed when the answer comes. (Waiting them out would
    # not do: every script the test runs in the page counts as a click.)
    page.evaluate(
        "() => Object.defineProperty(navigator, 'userActivation',"
        " { value: { isActive: false, hasBeenActive: true } })"
    )
    page.locator(".jp-DirListing-item", has_text="sample.ome.zarr").click(button="right")
    page.locator(".lm-Menu-item:visible", has_text=LABEL).click()
    message = toast(page, "info", "sample.ome.zarr")
    assert message.startswith("Share link of sample.ome.zarr ready"), message
    assert clipboard(page) == "nothing copied yet"

    page.locator(".jp-Notification-Toast-info .jp-toast-button", has_text="Copy").click()
    url = clipboard(page)
    assert url.startswith(f"{lab.url}zarrview/shared/"), url
    assert url.endswith("/sample.ome.zarr"), url
    assert anonymous_get(f"{url}/.zgroup")[0] == 200
