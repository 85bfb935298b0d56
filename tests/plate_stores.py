"""HCS plates and wells as ome-zarr-py (0.4, 0.5) and ngff-zarr (0.5) write them, and the
mosaic a viewer should see of them, built with numpy alone.

Shared by the engine and server tests. Each field is a pyramid of two levels the test knows (the
second by striding), so what the mosaic must hold is known without reading the store.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, Any

import numpy as np
import zarr
from label_stores import ome_zarr_writer

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

#: A field's level-0 shape: two channels of 24 x 32.
FIELD = (2, 24, 32)


def ome_format(version: str) -> Any:
    from ome_zarr.format import FormatV04, FormatV05

    return FormatV04() if version == "0.4" else FormatV05()


def field(seed: int, shape: Sequence[int] = FIELD, dtype: str = "uint16") -> np.ndarray:
    """A field's level 0 whose values tell it apart: ``seed * 1000`` plus a ramp under 1000."""
    count = int(np.prod(shape))
    return (np.arange(count).reshape(tuple(shape)) % 997 + seed * 1000).astype(dtype)


def pyramid(level0: np.ndarray, levels: int = 2) -> list[np.ndarray]:
    """``levels`` levels, each the one before it at every second pixel of y and x."""
    out = [level0]
    while len(out) < levels:
        out.append(np.ascontiguousarray(out[-1][..., ::2, ::2]))
    return out


def write_plate(
    path: Path,
    version: str,
    rows: Sequence[str],
    columns: Sequence[str],
    wells: Mapping[str, Sequence[np.ndarray]],
    *,
    listed: Sequence[str] | None = None,
    axes: str = "cyx",
    levels: int = 2,
) -> zarr.Group:
    """A plate by ome-zarr-py: its metadata lists ``listed`` (default: ``wells``' keys); each
    well of ``wells`` is written with its fields "0", "1", ..., each a pyramid of its level 0."""
    writer = ome_zarr_writer()
    fmt = ome_format(version)
    root = zarr.open_group(str(path), mode="w", zarr_format=2 if version == "0.4" else 3)
    writer.write_plate_metadata(
        root, list(rows), list(columns), list(wells if listed is None else listed), fmt=fmt
    )
    for well_path, fields in wells.items():
        write_well(root.require_group(well_path), version, fields, axes=axes, levels=levels)
    return root


def write_well(
    group: zarr.Group,
    version: str,
    fields: Sequence[np.ndarray],
    *,
    axes: str = "cyx",
    levels: int | Sequence[int] = 2,
) -> None:
    """A well by ome-zarr-py: its fields "0", "1", ..., each a pyramid of ``levels`` levels (one
    count for all, or one per field)."""
    writer = ome_zarr_writer()
    fmt = ome_format(version)
    counts = [levels] * len(fields) if isinstance(levels, int) else list(levels)
    writer.write_well_metadata(group, [str(i) for i in range(len(fields))], fmt=fmt)
    for i, (level0, count) in enumerate(zip(fields, counts, strict=True)):
        writer.write_multiscale(
            pyramid(level0, count), group.require_group(str(i)), fmt=fmt, axes=axes
        )


def write_big_plate(path: Path, version: str, rows: int, columns: int, size: int) -> list[str]:
    """A plate of ``rows`` x ``columns`` wells, one ``size`` x ``size`` uint16 field each (well
    ``i`` in row-major order holds ``field(i, (size, size))``), two levels; its well paths.

    ome-zarr-py writes the metadata and the first well; the others are copies of it whose pixels
    zarr-python writes anew (ome-zarr-py takes some 20 ms a well, which for 384 is too slow for a
    fixture).
    """
    names = [chr(ord("A") + r) for r in range(rows)]
    numbers = [str(c + 1) for c in range(columns)]
    paths = [f"{r}/{c}" for r in names for c in numbers]
    root = write_plate(
        path,
        version,
        names,
        numbers,
        {paths[0]: [field(0, (size, size))]},
        listed=paths,
        axes="yx",
    )
    first = path / paths[0]
    for i, well in enumerate(paths[1:], start=1):
        shutil.copytree(first, path / well)
        for level, pixels in enumerate(pyramid(field(i, (size, size)))):
            zarr.open_array(store=root.store, path=f"{well}/0/s{level}", mode="r+")[...] = pixels
    return paths


def write_ngff_zarr_plate(path: Path, wells: Mapping[tuple[str, str], np.ndarray]) -> None:
    """A 0.5 plate by ngff-zarr's HCS writer: rows A, B and columns 1, 2, 3, each well of
    ``wells`` (by row and column name) with one yx field of two levels."""
    import ngff_zarr as nz

    rows, columns = ["A", "B"], ["1", "2", "3"]
    metadata = nz.Plate(
        rows=[nz.PlateRow(name=r) for r in rows],
        columns=[nz.PlateColumn(name=c) for c in columns],
        wells=[
            nz.PlateWell(path=f"{r}/{c}", rowIndex=rows.index(r), columnIndex=columns.index(c))
            for r, c in wells
        ],
        version="0.5",
    )
    with nz.HCSPlateWriter(str(path), metadata) as writer:
        for (r, c), level0 in wells.items():
            image = nz.to_ngff_image(level0, dims=["y", "x"])
            writer.write_well_image(
                nz.to_multiscales(image, scale_factors=[2]), row_name=r, column_name=c
            )


def mosaic(
    cells: Mapping[tuple[int, int], np.ndarray],
    grid: tuple[int, int],
    cell: tuple[int, int],
    lead: tuple[int, ...],
    dtype: Any,
    fill: Any = 0,
) -> np.ndarray:
    """What a mosaic level holds: each cell's array at its cell's top-left, clipped to the cell
    (and to ``lead`` on the other axes), fill elsewhere."""
    out = np.full((*lead, grid[0] * cell[0], grid[1] * cell[1]), fill, dtype=dtype)
    for (row, column), pixels in cells.items():
        h, w = min(pixels.shape[-2], cell[0]), min(pixels.shape[-1], cell[1])
        inner = tuple(slice(0, min(a, b)) for a, b in zip(pixels.shape[:-2], lead, strict=True))
        y, x = row * cell[0], column * cell[1]
        target = (*inner, slice(y, y + h), slice(x, x + w))
        source = (*inner, slice(0, h), slice(0, w))
        out[target] = pixels[source]
    return out
