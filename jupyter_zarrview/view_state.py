"""The names of a view's state, shared by the widget's options and by links to a view."""

from __future__ import annotations

__all__ = ["LINK_STATE", "VIEW_OPTIONS"]

# What a caller may set on a view (docs/viewer.md has their meaning).
VIEW_OPTIONS = (
    "indices",
    "displayed_axes",
    "level",
    "zoom",
    "center",
    "colormap",
    "contrast",
    "gamma",
    "composite",
    "channels",
    "height",
    "live",
    "labels",
)

# What a link carries: the view, not the size of the box it is shown in nor whether it follows
# changes.
LINK_STATE = tuple(name for name in VIEW_OPTIONS if name not in ("height", "live"))
