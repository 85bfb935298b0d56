"""``ZarrView``: the notebook widget. Its state is a set of traitlets synced with the viewer."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from ..engine import Dataset, ZarrViewError
from ..view_state import LINK_STATE, VIEW_OPTIONS
from .kernel_labels import kernel_label_sources, open_kernel_labels, with_kernel_labels
from .kernel_transport import KernelTransport
from .kernel_watch import KernelWatch, everything_changed
from .sources import http_source

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..links import ViewLink

__all__ = ["ZarrView"]

_STATIC = Path(__file__).resolve().parent.parent / "static"


@cache
def colormap_names() -> tuple[str, ...]:
    """The colormaps the viewer draws with, from the table it is built with."""
    table = json.loads((_STATIC / "colormaps.json").read_text())
    return tuple(table)


class ZarrView(anywidget.AnyWidget):
    """A multiscale viewer of 2-D slices through N-D Zarr data, in a notebook cell.

    ``source`` is a path (relative to the kernel's working directory, or absolute), an fsspec
    URL, a zarr Array or Group, a numpy or dask array, or an xarray DataArray. The keyword
    options are the traitlets below, e.g. ``ZarrView(p, colormap="gray", contrast=(0, 1000))``.

    A plate opens as a mosaic of its wells (a click on one opens it); ``well="B/3"`` opens a
    well as a mosaic of its fields, and ``well="B/3", field=0`` one field.

    ``labels`` is the label layers' settings (``[{"name": "cells", "opacity": 0.5}]``; an
    OME-NGFF image's label images are listed by themselves), or label arrays in the kernel to
    lay over the image: ``labels=ids`` or ``labels={"cells": ids}`` (numpy, dask or zarr; integer
    ids, over the image's last axes).

    Data that the Jupyter server can see travels over its HTTP endpoints, so the view stays
    responsive while the kernel runs a cell; arrays that live only in the kernel travel as
    widget messages.
    """

    _esm = _STATIC / "widget.js"
    _css = _STATIC / "widget.css"

    info = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    _http = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)

    indices = traitlets.Dict(value_trait=traitlets.Int()).tag(sync=True)
    displayed_axes = traitlets.List(traitlets.Unicode(), default_value=[]).tag(sync=True)
    level = traitlets.Int(allow_none=True, default_value=None).tag(sync=True)
    zoom = traitlets.Float(allow_none=True, default_value=None).tag(sync=True)
    center = traitlets.List(
        traitlets.Float(), allow_none=True, default_value=None, minlen=2, maxlen=2
    ).tag(sync=True)
    colormap = traitlets.Unicode("gray").tag(sync=True)
    contrast = traitlets.List(
        traitlets.Float(), allow_none=True, default_value=None, minlen=2, maxlen=2
    ).tag(sync=True)
    gamma = traitlets.Float(1.0).tag(sync=True)
    composite = traitlets.Bool(True).tag(sync=True)
    channels = traitlets.List(traitlets.Dict(), default_value=[]).tag(sync=True)
    height = traitlets.Int(500).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    #: Follow the data while it is written: the server tells the view of each change.
    live = traitlets.Bool(True).tag(sync=True)
    #: The label layers over the image: ``{"name", "visible", "opacity", "outline"}`` each.
    labels = traitlets.List(traitlets.Dict(), default_value=[]).tag(sync=True)

    def __init__(
        self,
        source: Any,
        *,
        array: str | None = None,
        well: str | None = None,
        field: int | str | None = None,
        storage_options: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> None:
        super().__init__()
        if field is not None and well is None:
            raise TypeError("field= picks a field of a well: give well= too (e.g. well='B/3')")
        self._source = source
        parts = (array, well, None if field is None else str(field))
        self._array = "/".join(str(p).strip("/") for p in parts if p is not None) or None
        self._storage_options = dict(storage_options or {})
        self._dataset: Dataset | None = None
        # Why the data could not be opened: answered to the view's requests, so a group that is
        # not an image shows its images and arrays to pick from.
        self._open_error: ZarrViewError | None = None
        self._layers: dict[str, Dataset] = {}
        # Label arrays in the kernel (`labels=ids`), rather than the label layers' settings.
        label_arrays = kernel_label_sources(options.get("labels"))
        if label_arrays is not None:
            del options["labels"]
        self._kernel_labels: dict[str, Dataset] = {}
        self._transport = KernelTransport(
            self, self._current_dataset, self._watch_changed, self._layer_dataset, self._pick
        )
        self._watch = KernelWatch(
            lambda: self._dataset,
            self._transport.engine,
            self._transport.push,
            lambda: self._transport.alive,
        )
        self._open()
        if label_arrays is not None and self._dataset is not None:
            self._kernel_labels = open_kernel_labels(
                label_arrays, self._dataset, self._transport.engine
            )
            # Only the kernel has them: the view reads everything over widget messages.
            self.set_trait("_http", None)
            self.info = with_kernel_labels(self._dataset.info(), list(self._kernel_labels))
        # Options go in after the data is known, so they are checked against its axes.
        with self.hold_sync():
            for name, value in options.items():
                if name not in VIEW_OPTIONS:
                    raise TypeError(
                        f"ZarrView got an unexpected option {name!r}; "
                        f"options are: {', '.join(self.option_names())}"
                    )
                setattr(self, name, value)

    @classmethod
    def option_names(cls) -> list[str]:
        """The names of the view's settable state."""
        return sorted(VIEW_OPTIONS)

    @property
    def dataset(self) -> Dataset:
        """The engine's view of the data, for reading it directly from Python."""
        return self._current_dataset()

    def _current_dataset(self) -> Dataset:
        if self._dataset is None:
            raise self._open_error or ZarrViewError(self.error or "no data is open")
        return self._dataset

    def _pick(self, child: str) -> None:
        """Opens ``child`` of the group shown: one of its images the user picked, or a well of a
        plate's mosaic (a field of a well's) the user clicked."""
        mosaic = self._dataset is not None and self._dataset.info().get("plate") is not None
        if (self._dataset is not None and not mosaic) or not child or ".." in child.split("/"):
            return  # an image is shown already, or a name that is not a child
        self._array = "/".join(p.strip("/") for p in (self._array, child) if p)
        self._layers.clear()
        self._open()

    def _layer_dataset(self, path: str) -> Dataset:
        """A label image the data lists, by its path relative to the image; only those."""
        from ..engine import open_dataset
        from ..engine.errors import NotFound

        if path in self._kernel_labels:
            return self._kernel_labels[path]
        listed = [e["path"] for e in self._current_dataset().info().get("labels", [])]
        if path not in listed:
            raise NotFound(f"the image lists no label image {path!r}", parameter="layer")
        found = self._layers.get(path)
        if found is None:
            source = self._source
            if isinstance(source, (str, os.PathLike)) and "://" not in str(source):
                source = Path(source).expanduser().resolve()
            array = "/".join(p for p in (self._array, path) if p)
            found = self._layers[path] = open_dataset(
                source, array=array, storage_options=self._storage_options or None
            )
        return found

    def _open(self) -> None:
        from ..engine import open_dataset

        source = self._source
        if isinstance(source, (str, os.PathLike)) and "://" not in str(source):
            source = Path(source).expanduser().resolve()
        try:
            self._dataset = open_dataset(
                source, array=self._array, storage_options=self._storage_options or None
            )
        except ZarrViewError as exc:
            self._dataset = None
            self._open_error = exc
            self.set_trait("info", None)
            self.error = str(exc)
            return
        self._open_error = None
        self.error = ""
        self.info = self._dataset.info()
        self.set_trait("_http", http_source(source, self._array))

    def _watch_changed(self, on: bool) -> None:
        # The front end follows the data over widget messages (the server does not serve it):
        # the kernel watches its store meanwhile.
        if on:
            self._watch.start()
        else:
            self._watch.stop()

    def close(self) -> None:
        self._watch.stop()
        super().close()

    def refresh(self) -> bool:
        """Show what changed in the data: new planes of a growing array, values changed in place.

        The view asks again for the tiles it shows; only those whose content changed travel
        (each tile's validator is a digest of its bytes), and a slider at the last index of an
        axis that grew follows it. True if the metadata (the shape) changed.
        """
        if self._dataset is None:
            self._open()
            return self._dataset is not None
        changed = self._dataset.refresh()
        if changed:
            self.info = with_kernel_labels(self._dataset.info(), list(self._kernel_labels))
        # Every tile may have changed: the array is in the kernel, with no chunk files to watch.
        self._transport.push("change", everything_changed(self._dataset, None))
        return changed

    def link(self, *, server: dict[str, Any] | None = None) -> ViewLink:
        """A URL that opens this view (data, plane, zoom, contrast) in a JupyterLab tab.

        A ``str``, shown in a notebook as a link that opens in a new browser tab.
        """
        from ..links import link

        if not self._http or "://" in str(self._http["path"]):
            raise ValueError(
                "only data on the Jupyter server's disks has a link; this view's data lives "
                "in the kernel (write it to a Zarr store to share it)"
            )
        state = {
            name: getattr(self, name)
            for name in LINK_STATE
            if getattr(self, name) not in (None, [], {})
        }
        return link(self._http["path"], array=self._http["array"], server=server, **state)

    @traitlets.validate("colormap")
    def _check_colormap(self, proposal: dict[str, Any]) -> str:
        name = proposal["value"]
        names = colormap_names()
        if name not in names:
            raise traitlets.TraitError(
                f"unknown colormap {name!r}; choose one of: {', '.join(names)}"
            )
        return str(name)

    @traitlets.validate("contrast")
    def _check_contrast(self, proposal: dict[str, Any]) -> list[float] | None:
        value = proposal["value"]
        if value is not None and not value[0] < value[1]:
            raise traitlets.TraitError(
                f"contrast must be (low, high) with low < high, got {tuple(value)}"
            )
        return value

    @traitlets.validate("labels")
    def _check_labels(self, proposal: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for entry in proposal["value"]:
            if not isinstance(entry.get("name"), str):
                raise traitlets.TraitError(
                    f"each entry of labels needs the label image's 'name', got {entry!r}"
                )
            unknown = set(entry) - {"name", "visible", "opacity", "outline"}
            if unknown:
                raise traitlets.TraitError(
                    f"labels entry {entry['name']!r} has unknown keys {sorted(unknown)}; "
                    "it takes name, visible, opacity and outline"
                )
            opacity = float(entry.get("opacity", 0.7))
            if not 0 <= opacity <= 1:
                raise traitlets.TraitError(
                    f"opacity of labels {entry['name']!r} must be in [0, 1], got {opacity}"
                )
            out.append(
                {
                    "name": entry["name"],
                    "visible": bool(entry.get("visible", True)),
                    "opacity": opacity,
                    "outline": bool(entry.get("outline", False)),
                }
            )
        return out

    @traitlets.validate("gamma")
    def _check_gamma(self, proposal: dict[str, Any]) -> float:
        value = float(proposal["value"])
        if not 0 < value <= 10:
            raise traitlets.TraitError(f"gamma must be in (0, 10], got {value}")
        return value

    @traitlets.validate("indices")
    def _check_indices(self, proposal: dict[str, Any]) -> dict[str, int]:
        value: dict[str, int] = dict(proposal["value"])
        if self.info is None:
            return value
        shape = self.info["levels"][0]["shape"]
        names = [axis["name"] for axis in self.info["axes"]]
        for name, index in value.items():
            if name not in names:
                raise traitlets.TraitError(
                    f"indices names an axis {name!r} the data does not have; axes: {names}"
                )
            size = shape[names.index(name)]
            if not 0 <= index < size:
                raise traitlets.TraitError(
                    f"index {index} on axis {name!r} is out of range 0..{size - 1}"
                )
        return value

    @traitlets.validate("displayed_axes")
    def _check_displayed_axes(self, proposal: dict[str, Any]) -> list[str]:
        value: list[str] = list(proposal["value"])
        if not value or self.info is None:
            return value
        names = [axis["name"] for axis in self.info["axes"]]
        if len(value) != 2 or value[0] == value[1] or not set(value) <= set(names):
            raise traitlets.TraitError(
                f"displayed_axes must name two different axes of {names}, got {value}"
            )
        return value

    @traitlets.validate("level")
    def _check_level(self, proposal: dict[str, Any]) -> int | None:
        value = proposal["value"]
        if value is None or self.info is None:
            return value
        count = len(self.info["levels"])
        if not 0 <= value < count:
            raise traitlets.TraitError(
                f"level {value} is out of range: this image has levels 0..{count - 1} "
                "(or None for automatic)"
            )
        return int(value)
