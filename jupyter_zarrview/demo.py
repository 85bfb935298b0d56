"""Prepare a folder for the demo: a sample OME-Zarr image and the notebook that shows it.

``python -m jupyter_zarrview.demo DIR`` is what the README's demo command and Binder run.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from .sample_data import SampleSpec, write_sample_image

__all__ = ["prepare_demo"]

_NOTEBOOK = Path(__file__).with_name("demo.ipynb")


def prepare_demo(folder: str | Path, *, size: int = 1024) -> Path:
    """Fill ``folder`` with the demo's data and notebook; what exists already is kept."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    image = folder / "cells.ome.zarr"
    if not image.exists():
        write_sample_image(image, SampleSpec(y=size, x=size))
    notebook = folder / "demo.ipynb"
    if not notebook.exists():
        shutil.copyfile(_NOTEBOOK, notebook)
    return folder


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--size", type=int, default=1024, help="y and x size of the image")
    args = parser.parse_args()
    out = prepare_demo(args.folder, size=args.size)
    print(f"demo ready in {out}")


if __name__ == "__main__":
    _main()
