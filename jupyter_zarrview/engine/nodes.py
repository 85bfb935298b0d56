"""Zarr nodes below a group, read from the store itself, and their attributes."""

from __future__ import annotations

from typing import Any

import zarr

__all__ = ["member", "node_attrs"]


def member(group: Any, path: str) -> Any:
    """The array or group at ``path`` below ``group``; KeyError when there is none.

    Where the group was opened from consolidated metadata, the member is read from the store
    instead: consolidated metadata lists what was there when it was written, and label images
    are most often added to an image afterwards, by another tool that leaves the image's
    consolidated metadata as it was.
    """
    if not _consolidated(group):
        return group[path]
    full = "/".join(p for p in (group.path.strip("/"), path.strip("/")) if p)
    try:
        return zarr.open(store=group.store, path=full, mode="r", use_consolidated=False)
    except FileNotFoundError as exc:  # zarr's NodeNotFoundError
        raise KeyError(path) from exc


def _consolidated(group: Any) -> bool:
    metadata = getattr(group, "metadata", None)
    return getattr(metadata, "consolidated_metadata", None) is not None


def node_attrs(node: Any) -> dict[str, Any]:
    """A node's attributes, or none where they do not read."""
    try:
        return dict(node.attrs)
    except Exception:
        return {}
