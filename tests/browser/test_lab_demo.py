"""The demo as a new user meets it: its notebook opens in JupyterLab unmodified."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, Any

import pytest
from lab_driver import wait_kernel_idle

from jupyter_zarrview.demo import prepare_demo

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

DIRTY_TABS = "#jp-main-dock-panel .lm-TabBar-tab.jp-mod-dirty"


def notebook_dirty(page: Any) -> bool:
    return bool(page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty"))


@pytest.fixture
def demo(lab) -> Iterator[Path]:
    folder = prepare_demo(lab.root / "demo", size=256)
    yield folder
    # Later modules share the server's root, and the README's picture shows its listing.
    shutil.rmtree(folder)


def test_the_demo_notebook_opens_without_unsaved_changes(page, lab, demo):
    page.goto(f"{lab.url}lab/tree/demo/demo.ipynb?reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    wait_kernel_idle(page)
    # JupyterLab writes the kernel's name and language into the notebook's metadata once the
    # kernel has told them; a notebook that does not have them already is modified then.
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.context.model.getMetadata('language_info')",
        timeout=30_000,
    )
    page.wait_for_timeout(1000)  # what JupyterLab does after the kernel's answer, it has done
    assert not notebook_dirty(page)
    assert page.locator(DIRTY_TABS).count() == 0
