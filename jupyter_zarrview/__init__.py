"""Browse Zarr and OME-Zarr data from Jupyter, where it lives.

- ``ZarrView(path_or_array)``: the notebook widget.
- ``open(source)``: the data engine's view of a store or array, as a :class:`Dataset`.
- The Jupyter server extension (enabled on install) serves tiles and plain Zarr keys under
  ``{base_url}zarrview/``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from .engine import Dataset
from .engine import open_dataset as open
from .links import StoreLink, link, zarr_url
from .server import _jupyter_server_extension_points  # noqa: F401 - found by jupyter_server

if TYPE_CHECKING:
    from .widget import ZarrView

try:
    __version__ = version("jupyter_zarrview")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["Dataset", "StoreLink", "ZarrView", "__version__", "link", "open", "zarr_url"]


def __getattr__(name: str) -> Any:
    # The widget pulls in anywidget and ipywidgets; the server extension has no use for them,
    # so they load only when a notebook asks for the widget.
    if name == "ZarrView":
        from .widget import ZarrView

        return ZarrView
    raise AttributeError(f"module 'jupyter_zarrview' has no attribute {name!r}")


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-zarrview"}]
