"""Which folders of a directory hold Zarr, so the file browser can offer to open them.

Names ending in ``.zarr`` are recognised by the browser alone; a folder written by a job under
any other name is Zarr when it holds a store's metadata document at its top. A symlink is looked
into only when it leads inside the allowed roots, and not into a hidden folder: what opening it
would refuse is neither stat'ed nor offered.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..engine import NotFound
from ..engine.errors import filesystem_failure
from .paths import Roots, is_dir, resolve_local, shown, split_path

__all__ = ["MAX_ENTRIES", "zarr_folders"]

_METADATA = (".zgroup", ".zarray", "zarr.json")
# A directory listing the browser shows at once; a bigger one is answered in part.
MAX_ENTRIES = 5000


def zarr_folders(text: str, roots: Roots) -> list[str]:
    """Names of the sub-folders of ``text`` (a folder under the roots) that are Zarr stores."""
    absolute, parts = split_path(text, "path")
    folder = resolve_local(absolute, parts, roots, text, "path")
    if not is_dir(folder, text, "path"):
        raise NotFound(f"no such folder: {shown(text)}", parameter="path")
    found: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for count, entry in enumerate(entries):
                if count >= MAX_ENTRIES:
                    break
                if entry.name.startswith(".") or not _stays_inside(entry, roots):
                    continue
                if _holds_zarr(entry):
                    found.append(entry.name)
    except OSError as exc:  # the folder itself may not be listed (no permission, gone)
        raise filesystem_failure(exc, f"path {shown(text)}") from None
    return sorted(found)


def _stays_inside(entry: os.DirEntry[str], roots: Roots) -> bool:
    """Whether an entry leads to a place a request may read: a symlink may point anywhere."""
    try:
        if not entry.is_symlink():
            return True  # inside the folder, which is inside a root
        resolved = Path(os.path.realpath(entry.path))
    except (OSError, ValueError):
        return False
    root = roots.containing(resolved)
    if root is None:
        return False
    hidden = any(part.startswith(".") for part in resolved.relative_to(root).parts)
    return roots.allow_hidden or not hidden


def _holds_zarr(entry: os.DirEntry[str]) -> bool:
    # A sub-folder the server may not look into (or a dangling link) is simply not offered:
    # one unreadable entry must not cost the listing of the others.
    try:
        if not entry.is_dir():
            return False
        for name in _METADATA:
            try:
                if stat.S_ISREG(os.stat(os.path.join(entry.path, name)).st_mode):
                    return True
            except (FileNotFoundError, NotADirectoryError):
                continue
    except OSError:
        return False
    return False
