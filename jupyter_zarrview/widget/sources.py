"""Which sources the Jupyter server can read too, and under what path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["http_source"]


def http_source(source: Any, array: str | None) -> dict[str, Any] | None:
    """The ``{path, array}`` the viewer may ask the server for, or None for in-kernel data.

    The server only answers for paths inside its roots; the viewer checks that its answer has the
    same version as the kernel's before it switches, so a wrong guess here costs one request.
    """
    if isinstance(source, Path):
        return {"path": str(source), "array": array}
    if isinstance(source, str) and "://" in source:
        return {"path": source, "array": array}
    store_root = _local_store_root(source)
    if store_root is not None:
        inner = getattr(source, "path", "") or ""
        if array:
            inner = f"{inner}/{array}" if inner else array
        return {"path": str(store_root), "array": inner or None}
    return None


def _local_store_root(obj: Any) -> Path | None:
    # zarr.Array and zarr.Group on a LocalStore know their folder; anything else (memory, zip,
    # remote) is read in the kernel.
    store = getattr(obj, "store", None)
    root = getattr(store, "root", None)
    if root is None or type(store).__name__ != "LocalStore":
        return None
    return Path(root).resolve()
