"""The demo's notebook carries the metadata its kernel reports, so it opens unmodified."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ipykernel.ipkernel import IPythonKernel
from jupyter_client.kernelspec import KernelSpecManager

from jupyter_zarrview.demo import prepare_demo

if TYPE_CHECKING:
    from pathlib import Path

TEMPLATE = "jupyter_zarrview/demo.ipynb"


def _metadata(folder: Path) -> dict:
    return dict(json.loads((folder / "demo.ipynb").read_text())["metadata"])


def test_the_notebook_names_the_kernel_and_language_that_jupyterlab_would_write(tmp_path):
    folder = prepare_demo(tmp_path / "demo", size=64)
    spec = KernelSpecManager().get_kernel_spec("python3")
    metadata = _metadata(folder)
    assert metadata["kernelspec"] == {
        "display_name": spec.display_name,
        "language": "python",
        "name": "python3",
    }
    assert metadata["language_info"] == IPythonKernel.language_info


def test_an_edited_notebook_is_kept_and_a_bare_earlier_copy_is_replaced(tmp_path):
    from jupyter_zarrview import demo

    folder = prepare_demo(tmp_path / "demo", size=64)
    notebook = folder / "demo.ipynb"
    edited = notebook.read_text().replace("# jupyter_zarrview", "# my notes")
    notebook.write_text(edited)
    prepare_demo(folder, size=64)
    assert notebook.read_text() == edited

    # What earlier versions wrote: the template as it is in the package, byte for byte.
    template = demo._NOTEBOOK.read_bytes()
    notebook.write_bytes(template)
    prepare_demo(folder, size=64)
    assert "language_info" in _metadata(folder)
    assert notebook.read_bytes() != template
