"""The datasets of ``tests/protocol_examples.json``: written from its spec, decoded from its values.

Values in the file are JSON that JavaScript reads exactly: 64-bit integers are decimal strings,
non-finite floats are ``"NaN"``, ``"Infinity"`` and ``"-Infinity"``.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import zarr

EXAMPLES = Path(__file__).resolve().parents[1] / "protocol_examples.json"


def load() -> dict[str, Any]:
    return json.loads(EXAMPLES.read_text())


_SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def from_json(values: Any, dtype: str) -> np.ndarray:
    dt = np.dtype(dtype)

    def scalar(v: Any) -> Any:
        if isinstance(v, str):
            return _SPECIAL[v] if v in _SPECIAL else int(v)
        return v

    def walk(v: Any) -> Any:
        return [walk(x) for x in v] if isinstance(v, list) else scalar(v)

    return np.array(walk(values), dtype=dt)


def to_json(array: np.ndarray) -> Any:
    def scalar(v: Any) -> Any:
        if array.dtype.kind == "b":
            return bool(v)
        if array.dtype.kind in "iu":
            return str(int(v)) if array.dtype.itemsize == 8 else int(v)
        f = float(v)
        if math.isnan(f):
            return "NaN"
        if math.isinf(f):
            return "Infinity" if f > 0 else "-Infinity"
        return f

    def walk(a: np.ndarray) -> Any:
        return scalar(a[()]) if a.ndim == 0 else [walk(x) for x in a]

    return walk(array)


def decode_body(body_base64: str, headers: dict[str, str]) -> np.ndarray:
    shape_text = headers["X-Zarrview-Shape"]
    shape = tuple(int(n) for n in shape_text.split(",")) if shape_text else ()
    dtype = np.dtype(headers["X-Zarrview-Dtype"]).newbyteorder("<")
    return np.frombuffer(base64.b64decode(body_base64), dtype=dtype).reshape(shape)


def _array(path: Path, spec: dict[str, Any]) -> None:
    data = from_json(spec["values"], spec["dtype"])
    arr = zarr.create_array(
        str(path),
        shape=data.shape,
        chunks=tuple(spec["chunks"]),
        dtype=spec.get("store_dtype", spec["dtype"]),
        zarr_format=spec["zarr_format"],
    )
    arr[...] = data


def _ome(group: zarr.Group, name: str, spec: dict[str, Any]) -> None:
    level = from_json(spec["values"], spec["dtype"])
    datasets: list[Any] = []
    for i in range(spec.get("levels", 1)):
        group.create_array(
            str(i), shape=level.shape, chunks=level.shape, dtype=level.dtype, fill_value=0
        )[...] = level
        scale = [1.0] * (level.ndim - 2) + [2.0**i, 2.0**i]
        datasets.append(
            {"path": str(i), "coordinateTransformations": [{"type": "scale", "scale": scale}]}
        )
        level = level[..., ::2, ::2]
    group.attrs["multiscales"] = [
        {"version": "0.4", "name": name, "axes": spec["axes"], "datasets": datasets}
    ]
    if "omero" in spec:
        group.attrs["omero"] = spec["omero"]
    if "labels_listed" in spec:
        # OME-NGFF 0.4 label images: the "labels" group lists them, each is an image of its own
        # with "image-label" metadata. Listed names without a group stay missing on purpose.
        labels = group.create_group("labels")
        labels.attrs["labels"] = spec["labels_listed"]
        for label_name, label in spec["labels"].items():
            image = labels.create_group(label_name)
            _ome(image, label_name, {**label, "axes": spec["axes"]})
            image.attrs["image-label"] = label["image-label"]


def build(root: Path) -> None:
    """Write every dataset of the spec under ``root``, as ``<name>.zarr``."""
    for name, spec in load()["datasets"].items():
        path = root / f"{name}.zarr"
        if spec["kind"] == "array":
            _array(path, spec)
        elif spec["kind"] == "ome-0.4":
            _ome(zarr.open_group(str(path), mode="w-", zarr_format=2), path.name, spec)
        else:  # a group holding one array
            zarr.open_group(str(path), mode="w-", zarr_format=3)
            _array(path / spec["array"], spec)


def reference(spec: dict[str, Any], level: int, array: str | None = None) -> np.ndarray:
    """Level ``level`` of a dataset (of its label image ``array``, ``labels/<name>``), as numpy."""
    if array is not None and array.startswith("labels/"):
        spec = spec["labels"][array.removeprefix("labels/")]
    data = from_json(spec["values"], spec["dtype"])
    for _ in range(level):
        data = data[..., ::2, ::2]
    return data
