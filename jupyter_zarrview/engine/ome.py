"""OME-NGFF 0.4 (Zarr v2 attributes) and 0.5 (Zarr v3, under ``ome``) image metadata."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import NotZarr
from .model import Axis, Channel
from .transforms import scale_and_translation

__all__ = ["OmeImage", "default_channels", "ome_image"]

# Colours for channels without OME metadata, in the order microscopists expect.
_DEFAULT_COLORS = ("FFFFFF", "FF00FF", "00FF00", "00FFFF", "FF0000", "0000FF", "FFFF00")


@dataclass(frozen=True)
class OmeImage:
    version: str
    axes: tuple[Axis, ...]
    paths: tuple[str, ...]
    scales: tuple[tuple[float, ...], ...]
    translations: tuple[tuple[float, ...], ...]
    channels: tuple[Mapping[str, Any], ...]  # raw omero channel entries
    rdefs: Mapping[str, Any] | None
    name: str | None


def _ome_root(attrs: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    # 0.5 keeps everything under "ome"; prefer it where a store has both.
    ome = attrs.get("ome")
    if isinstance(ome, Mapping) and "multiscales" in ome:
        return str(ome.get("version", "0.5")), ome
    if "multiscales" in attrs:
        multiscales = attrs["multiscales"]
        version = "0.4"
        if isinstance(multiscales, list) and multiscales and isinstance(multiscales[0], Mapping):
            version = str(multiscales[0].get("version", "0.4"))
        return version, attrs
    return None


def _axes(raw: Any, ndim: int) -> tuple[Axis, ...]:
    if raw is None:  # 0.3 and older: names only by convention
        names = ["t", "c", "z", "y", "x"][-ndim:]
        return tuple(Axis(n, _guess_type(n)) for n in names)
    axes = []
    for entry in raw:
        if isinstance(entry, str):
            axes.append(Axis(entry, _guess_type(entry)))
        elif isinstance(entry, Mapping) and "name" in entry:
            axes.append(Axis(str(entry["name"]), entry.get("type"), entry.get("unit")))
        else:
            raise NotZarr(f"OME-NGFF axis entry {entry!r} has no name")
    return tuple(axes)


def _guess_type(name: str) -> str | None:
    return {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}.get(name)


def ome_image(attrs: Mapping[str, Any]) -> OmeImage | None:
    """The first multiscale image described by a group's attributes, or None if there is none."""
    found = _ome_root(attrs)
    if found is None:
        return None
    version, root = found
    multiscales = root.get("multiscales")
    if not isinstance(multiscales, list) or not multiscales:
        raise NotZarr("OME-NGFF 'multiscales' must be a non-empty list")
    ms = multiscales[0]
    datasets = ms.get("datasets")
    if not isinstance(datasets, list) or not datasets:
        raise NotZarr("OME-NGFF multiscales[0] has no 'datasets'")
    raw_axes = ms.get("axes")
    systems = ms.get("coordinateSystems")
    first_system = systems[0] if isinstance(systems, list) and systems else None
    if raw_axes is None and isinstance(first_system, Mapping):
        # The 0.6 draft (RFC-5) names axes in coordinate systems; datasets map into the first.
        raw_axes = first_system.get("axes")
    ndim = len(raw_axes) if isinstance(raw_axes, list) else None
    if ndim is None:
        first = datasets[0].get("coordinateTransformations") or []
        ndim = next((len(t["scale"]) for t in first if t.get("type") == "scale"), 5)
    axes = _axes(raw_axes, ndim)
    top_scale, top_translation = scale_and_translation(ms.get("coordinateTransformations"), ndim)
    paths, scales, translations = [], [], []
    for dataset in datasets:
        scale, translation = scale_and_translation(dataset.get("coordinateTransformations"), ndim)
        # Top-level transformations apply after each dataset's own.
        scales.append(tuple(s * ts for s, ts in zip(scale, top_scale, strict=False)))
        translations.append(
            tuple(
                t * ts + tt
                for t, ts, tt in zip(translation, top_scale, top_translation, strict=True)
            )
        )
        paths.append(str(dataset["path"]))
    omero = root.get("omero") if isinstance(root.get("omero"), Mapping) else None
    channels = tuple(omero.get("channels") or ()) if omero else ()
    rdefs = omero.get("rdefs") if omero and isinstance(omero.get("rdefs"), Mapping) else None
    return OmeImage(
        version=version,
        axes=axes,
        paths=tuple(paths),
        scales=tuple(scales),
        translations=tuple(translations),
        channels=channels,
        rdefs=rdefs,
        name=ms.get("name"),
    )


def _dtype_window(dtype: np.dtype) -> tuple[float, float]:
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return float(info.min), float(info.max)
    if dtype.kind == "b":
        return 0.0, 1.0
    return 0.0, 1.0


def _number(value: Any, fallback: float) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return fallback
    return out if math.isfinite(out) else fallback


def default_channels(
    count: int, dtype: np.dtype, omero: Sequence[Mapping[str, Any]] = ()
) -> tuple[Channel, ...]:
    """One channel per index of the channel axis; omero entries where given, defaults elsewhere."""
    lo, hi = _dtype_window(dtype)
    out = []
    for i in range(count):
        raw = omero[i] if i < len(omero) and isinstance(omero[i], Mapping) else {}
        found = raw.get("window")
        window: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        wmin = _number(window.get("min"), lo)
        wmax = _number(window.get("max"), hi)
        color = str(raw.get("color") or _DEFAULT_COLORS[(i + (count > 1)) % len(_DEFAULT_COLORS)])
        out.append(
            Channel(
                label=str(raw.get("label") or f"channel {i}"),
                color=color.lstrip("#").upper()[:6].ljust(6, "F"),
                window=(
                    wmin,
                    wmax,
                    _number(window.get("start"), wmin),
                    _number(window.get("end"), wmax),
                ),
                active=bool(raw.get("active", i < 4)),
                inverted=bool(raw.get("inverted", False)),
            )
        )
    return tuple(out)
