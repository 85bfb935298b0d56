"""The Jupyter server extension: tiles and plain Zarr keys under ``{base_url}zarrview/``."""

from __future__ import annotations

from typing import Any

from .app import ZarrViewExtension

__all__ = ["ZarrViewExtension"]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    return [{"module": "jupyter_zarrview.server", "app": ZarrViewExtension}]
