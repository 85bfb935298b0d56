"""Which folders of a directory hold Zarr, so the file browser can offer to open them.

Names ending in ``.zarr`` are recognised by the browser alone; a folder written by a job under
any other name is Zarr when it holds a store's metadata document at its top.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..engine import NotFound
from .paths import Roots, resolve_local, split_path

__all__ = ["MAX_ENTRIES", "zarr_folders"]

_METADATA = (".zgroup", ".zarray", "zarr.json")
# A directory listing the browser shows at once; a bigger one is answered in part.
MAX_ENTRIES = 5000


def zarr_folders(text: str, roots: Roots) -> list[str]:
    """Names of the sub-folders of ``text`` (a folder under the roots) that are Zarr stores."""
    absolute, parts = split_path(text, "path")
    folder = resolve_local(absolute, parts, roots, text, "path")
    if not folder.is_dir():
        raise NotFound(f"no such folder: {text!r}", parameter="path")
    found: list[str] = []
    with os.scandir(folder) as entries:
        for count, entry in enumerate(entries):
            if count >= MAX_ENTRIES:
                break
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            if any((Path(entry.path) / name).is_file() for name in _METADATA):
                found.append(entry.name)
    return sorted(found)
