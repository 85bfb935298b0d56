"""The stores the server tests read, written with zarr-python, and their numpy references."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import zarr
from zarr.storage import ZipStore

if TYPE_CHECKING:
    from pathlib import Path

AXES_5D: list[dict[str, Any]] = [
    {"name": "t", "type": "time", "unit": "second"},
    {"name": "c", "type": "channel"},
    {"name": "z", "type": "space", "unit": "micrometer"},
    {"name": "y", "type": "space", "unit": "micrometer"},
    {"name": "x", "type": "space", "unit": "micrometer"},
]


@dataclass
class Layout:
    """Where things are: the root dir, an extra root, a folder outside both; arrays by name."""

    base: Path
    root: Path
    extra: Path
    outside: Path
    arrays: dict[str, list[np.ndarray]] = field(default_factory=dict)


def _pyramid(level0: np.ndarray, levels: int) -> list[np.ndarray]:
    out = [level0]
    for _ in range(1, levels):
        prev = out[-1]
        out.append(np.ascontiguousarray(prev[..., ::2, ::2]))
    return out


def _write_ome(
    path: Path, pyramid: list[np.ndarray], version: str, chunks: tuple[int, ...]
) -> None:
    fmt: Literal[2, 3] = 2 if version == "0.4" else 3
    group = zarr.open_group(str(path), mode="w-", zarr_format=fmt)
    datasets = [
        {
            "path": str(i),
            "coordinateTransformations": [
                {"type": "scale", "scale": [1.0, 1.0, 2.0, 0.5 * 2**i, 0.5 * 2**i]},
            ],
        }
        for i in range(len(pyramid))
    ]
    multiscale: dict[str, Any] = {"name": path.name, "axes": AXES_5D, "datasets": datasets}
    omero: dict[str, Any] = {
        "channels": [
            {
                "label": f"ch{i}",
                "color": color,
                "active": True,
                "inverted": False,
                "window": {"min": 0, "max": 65535, "start": 10, "end": 1000},
            }
            for i, color in enumerate(["0000FF", "00FF00", "FF0000"])
        ],
        "rdefs": {"defaultT": 0, "defaultZ": 1, "model": "color"},
    }
    if version == "0.4":
        multiscale["version"] = "0.4"
        group.attrs.update({"multiscales": [multiscale], "omero": omero})
    else:
        group.attrs.update({"ome": {"version": "0.5", "multiscales": [multiscale], "omero": omero}})
    for i, level in enumerate(pyramid):
        extra: dict[str, Any] = (
            {"chunk_key_encoding": {"name": "v2", "separator": "/"}}
            if fmt == 2
            else {"dimension_names": [a["name"] for a in AXES_5D]}
        )
        arr = group.create_array(
            str(i), shape=level.shape, chunks=chunks, dtype=level.dtype, fill_value=0, **extra
        )
        arr[...] = level


def _array(
    path: Path | str | ZipStore, data: np.ndarray, chunks: tuple[int, ...], **kw: Any
) -> None:
    arr = zarr.create_array(path, shape=data.shape, chunks=chunks, dtype=data.dtype, **kw)
    arr[...] = data


def build(base: Path) -> Layout:
    """Write every store once; tests only read them (or add files under names of their own)."""
    layout = Layout(base, base / "root", base / "extra", base / "outside")
    for folder in (layout.root, layout.extra, layout.outside):
        folder.mkdir()
    root, rng = layout.root, np.random.default_rng(7)

    plain = rng.integers(0, 65535, size=(37, 53), dtype=np.uint16)
    _array(root / "plain2d.zarr", plain, (16, 16), zarr_format=2)
    layout.arrays["plain2d.zarr"] = [plain]

    vol = rng.normal(size=(5, 40, 30)).astype(np.float32)
    vol[0, 0, :3] = np.nan
    _array(root / "vol3d.zarr", vol, (2, 16, 16), zarr_format=3)
    layout.arrays["vol3d.zarr"] = [vol]

    five = rng.integers(0, 4000, size=(2, 3, 4, 32, 48), dtype=np.uint16)
    for version in ("0.4", "0.5"):
        name = f"ome{version.replace('.', '')}.zarr"
        pyramid = _pyramid(five, 3)
        _write_ome(root / name, pyramid, version, (1, 1, 2, 16, 16))
        layout.arrays[name] = pyramid

    sharded = np.arange(64 * 96, dtype=np.int32).reshape(64, 96) * 3 - 5000
    _array(root / "sharded.zarr", sharded, (8, 8), shards=(32, 32), zarr_format=3)
    layout.arrays["sharded.zarr"] = [sharded]

    big_endian = np.arange(20 * 30, dtype=">u2").reshape(20, 30)
    _array(root / "bigendian.zarr", big_endian, (10, 10), zarr_format=2)
    layout.arrays["bigendian.zarr"] = [big_endian.astype("<u2")]

    zipped = rng.integers(-100, 100, size=(24, 20), dtype=np.int16)
    with ZipStore(root / "zipped.zip", mode="w") as store:
        _array(store, zipped, (8, 8), zarr_format=3)
    layout.arrays["zipped.zip"] = [zipped]

    # 16 M elements that are never written: a 413 costs nothing to set up.
    zarr.create_array(root / "big.zarr", shape=(4096, 4096), chunks=(1024, 1024), dtype="uint8")

    group = zarr.open_group(root / "plate.zarr", mode="w-", zarr_format=3)
    _array(root / "plate.zarr" / "A" / "1", plain[:8, :8], (8, 8), zarr_format=3)
    group.attrs["description"] = "a group that is not an image"

    _array(root / "complex.zarr", np.ones((4, 4), dtype=np.complex64), (4, 4), zarr_format=3)

    (root / "notzarr").mkdir()
    (root / "notzarr" / "readme.txt").write_text("not a store")
    (root / "folder").mkdir()

    secret = np.full((4, 4), 42, dtype=np.uint8)
    _array(root / ".hidden.zarr", secret, (4, 4), zarr_format=2)
    _array(root / "folder" / ".private" / "x.zarr", secret, (4, 4), zarr_format=2)
    _array(layout.outside / "secret.zarr", secret, (4, 4), zarr_format=2)
    (layout.outside / "note.txt").write_text("secret")
    os.symlink(layout.outside / "secret.zarr", root / "link_out.zarr")
    os.symlink(layout.outside, root / "outside_dir")
    os.symlink(root / "plain2d.zarr", root / "link_in.zarr")
    os.symlink(root / ".hidden.zarr", root / "link_hidden.zarr")

    shared = rng.integers(0, 255, size=(12, 14), dtype=np.uint8)
    _array(layout.extra / "shared.zarr", shared, (5, 5), zarr_format=3)
    layout.arrays["shared.zarr"] = [shared]
    return layout
