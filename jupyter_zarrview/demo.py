"""Prepare a folder for the demo: a sample OME-Zarr image and the notebook that shows it.

``python -m jupyter_zarrview.demo DIR`` is what the README's demo command and Binder run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .sample_data import SampleSpec, write_sample_image

__all__ = ["prepare_demo"]

_NOTEBOOK = Path(__file__).with_name("demo.ipynb")
_KERNEL = "python3"


def prepare_demo(folder: str | Path, *, size: int = 1024) -> Path:
    """Fill ``folder`` with the demo's data and notebook; what exists already is kept."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    image = folder / "cells.ome.zarr"
    if not image.exists():
        write_sample_image(image, SampleSpec(y=size, x=size, labels=True))
    notebook = folder / "demo.ipynb"
    # An earlier demo's copy of the bare template was never edited: it is replaced too.
    if not notebook.exists() or notebook.read_bytes() == _NOTEBOOK.read_bytes():
        notebook.write_text(_notebook_for_this_kernel(), encoding="utf-8")
    return folder


def _notebook_for_this_kernel() -> str:
    """The demo notebook, with the kernel metadata that JupyterLab would otherwise write.

    JupyterLab writes the kernel's name and language info into a notebook once the kernel has
    sent them; a notebook whose metadata differs opens marked as modified. The demo's kernel is
    the python3 kernel of this environment, so its metadata is known here.
    """
    notebook = json.loads(_NOTEBOOK.read_text(encoding="utf-8"))
    notebook["metadata"].update(_kernel_metadata())
    # As JupyterLab saves notebooks, so that a save changes nothing either.
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _kernel_metadata() -> dict[str, Any]:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    metadata: dict[str, Any] = {}
    try:
        spec = KernelSpecManager().get_kernel_spec(_KERNEL)
    except NoSuchKernel:
        return metadata  # no kernel here to match: the template's metadata stays
    metadata["kernelspec"] = {
        "display_name": spec.display_name,
        "language": spec.language,
        "name": _KERNEL,
    }
    if spec.argv and _is_this_python(spec.argv[0]):
        try:
            from ipykernel.ipkernel import IPythonKernel
        except ImportError:
            return metadata
        metadata["language_info"] = dict(IPythonKernel.language_info)
    return metadata


def _is_this_python(program: str) -> bool:
    # jupyter_client starts a kernelspec whose program is a bare `python` with the server's own
    # interpreter, which is this one: the kernel then reports this ipykernel's language info.
    major, minor = sys.version_info[:2]
    if program in ("python", f"python{major}", f"python{major}.{minor}"):
        return True
    return Path(program).resolve() == Path(sys.executable).resolve()


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--size", type=int, default=1024, help="y and x size of the image")
    args = parser.parse_args()
    out = prepare_demo(args.folder, size=args.size)
    print(f"demo ready in {out}")


if __name__ == "__main__":
    _main()
