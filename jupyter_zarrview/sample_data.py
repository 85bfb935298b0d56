"""Synthetic OME-Zarr images for the demo, the docs and the tests: made locally, no download.

The pictures are cells: a nucleus channel of Gaussian blobs and a membrane channel of rings
around them, in a (c, z, y, x) volume with a multiscale pyramid, so every control of the viewer
has something to show; optionally with their segmentation as an OME-NGFF label image.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import zarr

__all__ = ["SampleSpec", "write_sample_image"]


@dataclass(frozen=True)
class SampleSpec:
    """The shape of a sample image. The defaults make the demo's image (about 64 MiB raw)."""

    channels: int = 2
    z: int = 32
    y: int = 1024
    x: int = 1024
    cells: int = 60
    levels: int = 3
    chunks: tuple[int, int, int] = (8, 256, 256)
    ome_version: Literal["0.4", "0.5"] = "0.4"
    seed: int = 0
    #: Write the cells' segmentation too, as the label image ``labels/cells``.
    labels: bool = False


_CHANNELS = (
    {"label": "nuclei", "color": "00A2FF", "window": (0, 4000)},
    {"label": "membrane", "color": "FF00FF", "window": (0, 3000)},
    {"label": "marker", "color": "00FF40", "window": (0, 3000)},
)


def _volume(spec: SampleSpec) -> tuple[np.ndarray, np.ndarray]:
    """The image, and its segmentation: cell k (from 1) where its nucleus is, 0 elsewhere."""
    rng = np.random.default_rng(spec.seed)
    out = np.zeros((spec.channels, spec.z, spec.y, spec.x), dtype=np.float32)
    ids = np.zeros((spec.z, spec.y, spec.x), dtype=np.uint32)
    zz = np.arange(spec.z, dtype=np.float32)[:, None, None]
    for k in range(1, spec.cells + 1):
        cz, cy, cx = rng.uniform(0, spec.z), rng.uniform(0, spec.y), rng.uniform(0, spec.x)
        radius = rng.uniform(0.02, 0.05) * min(spec.y, spec.x)
        brightness = rng.uniform(1500, 3500)
        # Work on the cell's own box: the whole volume per cell would cost cells x volume.
        half = int(radius * 2.5) + 1
        y0, y1 = max(0, int(cy) - half), min(spec.y, int(cy) + half)
        x0, x1 = max(0, int(cx) - half), min(spec.x, int(cx) + half)
        if y0 >= y1 or x0 >= x1:
            continue
        yy = np.arange(y0, y1, dtype=np.float32)[None, :, None]
        xx = np.arange(x0, x1, dtype=np.float32)[None, None, :]
        depth = max(spec.z / 6, 1.0)
        r2 = ((yy - cy) / radius) ** 2 + ((xx - cx) / radius) ** 2 + ((zz - cz) / depth) ** 2
        out[0, :, y0:y1, x0:x1] += brightness * np.exp(-2.0 * r2)
        ids[:, y0:y1, x0:x1][r2 < 1.0] = k  # a later cell lies over an earlier one
        if spec.channels > 1:
            shell = np.exp(-((np.sqrt(r2) - 1.6) ** 2) / 0.02)
            out[1, :, y0:y1, x0:x1] += 0.8 * brightness * shell
        for c in range(2, spec.channels):
            out[c, :, y0:y1, x0:x1] += rng.uniform(0, 1) * brightness * np.exp(-6.0 * r2)
    out += rng.normal(100, 20, size=out.shape).astype(np.float32)
    return np.clip(out, 0, 65535).astype(np.uint16), ids


def _downsample(a: np.ndarray) -> np.ndarray:
    # Mean over 2x2 in y and x; z is kept, as microscopy pyramids usually do for thin stacks.
    c, z, y, x = a.shape
    y2, x2 = y // 2 * 2, x // 2 * 2
    b = a[:, :, :y2, :x2].astype(np.float32)
    b = b.reshape(c, z, y2 // 2, 2, x2 // 2, 2).mean(axis=(3, 5))
    return b.round().astype(a.dtype)


def _multiscales(spec: SampleSpec, name: str, channels: bool = True) -> dict[str, Any]:
    axes = [
        {"name": "c", "type": "channel"},
        {"name": "z", "type": "space", "unit": "micrometer"},
        {"name": "y", "type": "space", "unit": "micrometer"},
        {"name": "x", "type": "space", "unit": "micrometer"},
    ][0 if channels else 1 :]

    lead = 0 if channels else 1

    def shift(level: int) -> float:
        return 0.1625 * (2**level - 1) / 2

    datasets = [
        {
            "path": str(i),
            "coordinateTransformations": [
                {"type": "scale", "scale": [1.0, 0.5, 0.1625 * 2**i, 0.1625 * 2**i][lead:]},
                # A 2x2 mean's pixel centre sits half a fine pixel further on per halving.
                {"type": "translation", "translation": [0.0, 0.0, shift(i), shift(i)][lead:]},
            ],
        }
        for i in range(spec.levels)
    ]
    multiscale: dict[str, object] = {"name": name, "axes": axes, "datasets": datasets}
    if spec.ome_version == "0.4":
        multiscale["version"] = "0.4"
    return multiscale


def _omero(spec: SampleSpec) -> dict[str, Any]:
    channels = []
    for i in range(spec.channels):
        meta = _CHANNELS[i % len(_CHANNELS)]
        lo, hi = meta["window"]
        channels.append(
            {
                "label": meta["label"],
                "color": meta["color"],
                "active": True,
                "inverted": False,
                "window": {"min": 0, "max": 65535, "start": lo, "end": hi},
            }
        )
    return {
        "channels": channels,
        "rdefs": {"defaultT": 0, "defaultZ": spec.z // 2, "model": "color"},
    }


def _ome_attrs(spec: SampleSpec, **values: Any) -> dict[str, Any]:
    if spec.ome_version == "0.4":
        return values
    return {"ome": {"version": "0.5", **values}}


def _write_levels(group: Any, spec: SampleSpec, level: np.ndarray, downsample: Any) -> None:
    zarr_format = 2 if spec.ome_version == "0.4" else 3
    names = ["c", "z", "y", "x"][-level.ndim :]
    # OME-NGFF 0.4 asks for "/"-separated chunk keys in Zarr v2; v3 names its dimensions.
    layout: dict[str, Any] = (
        {"chunk_key_encoding": {"name": "v2", "separator": "/"}}
        if zarr_format == 2
        else {"dimension_names": names}
    )
    chunks = (1, *spec.chunks)[-level.ndim :]
    for i in range(spec.levels):
        arr = group.create_array(
            str(i),
            shape=level.shape,
            chunks=tuple(min(c, s) for c, s in zip(chunks, level.shape, strict=False)),
            dtype=level.dtype,
            fill_value=0,
            **layout,
        )
        arr[...] = level
        if i + 1 < spec.levels:
            level = downsample(level)


def _write_labels(root: Any, spec: SampleSpec, ids: np.ndarray) -> None:
    """``labels/cells``: ids down the pyramid by nearest neighbour (ids are never averaged)."""
    labels = root.create_group("labels")
    labels.attrs.update(_ome_attrs(spec, labels=["cells"]))
    cells = labels.create_group("cells")
    count = int(ids.max())
    # A few given colours, as segmentation tools write them; the rest come from the palette.
    given = [(1, [255, 200, 0, 255]), (2, [0, 200, 255, 255]), (3, [255, 80, 80, 255])]
    image_label = {
        "version": "0.4",
        "colors": [{"label-value": k, "rgba": rgba} for k, rgba in given if k <= count],
        "properties": [
            {"label-value": k, "cell": f"cell {k}", "area (pixels)": int((ids == k).sum())}
            for k in range(1, count + 1)
        ],
        "source": {"image": "../../"},
    }
    if spec.ome_version == "0.5":
        del image_label["version"]
    multiscales = [_multiscales(spec, "cells", channels=False)]
    cells.attrs.update(_ome_attrs(spec, multiscales=multiscales, **{"image-label": image_label}))
    _write_levels(cells, spec, ids, lambda a: np.ascontiguousarray(a[:, ::2, ::2]))


def write_sample_image(path: str | Path, spec: SampleSpec | None = None) -> Path:
    """Write a multiscale OME-Zarr image at ``path`` (replacing nothing: the path must not exist).

    OME-NGFF 0.4 is written as Zarr v2, 0.5 as Zarr v3, as the specification pairs them.
    """
    spec = spec or SampleSpec()
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists already; choose a new path or remove it first")
    zarr_format: Literal[2, 3] = 2 if spec.ome_version == "0.4" else 3
    root = zarr.open_group(str(path), mode="w-", zarr_format=zarr_format)
    multiscales = [_multiscales(spec, path.name)]
    root.attrs.update(_ome_attrs(spec, multiscales=multiscales, omero=_omero(spec)))
    image, ids = _volume(spec)
    _write_levels(root, spec, image, _downsample)
    if spec.labels:
        _write_labels(root, spec, ids)
    return path


def _main() -> None:  # pragma: no cover - exercised by the demo command
    import argparse

    parser = argparse.ArgumentParser(description="Write a sample multiscale OME-Zarr image.")
    parser.add_argument("path", type=Path)
    parser.add_argument("--ome-version", choices=["0.4", "0.5"], default="0.4")
    parser.add_argument("--size", type=int, default=1024, help="y and x size of level 0")
    args = parser.parse_args()
    spec = SampleSpec(y=args.size, x=args.size, ome_version=args.ome_version)
    out = write_sample_image(args.path, spec)
    print(json.dumps({"written": str(out)}))


if __name__ == "__main__":  # pragma: no cover
    _main()
