"""Plates and wells (OME-NGFF HCS) opened as one image each: a mosaic of their wells or fields.

A plate is laid out by its rows and columns, each well showing its first field; a well opened
by itself lays its fields out in a near-square grid (``ceil(sqrt(n))`` columns), in the order
its ``images`` list gives. The mosaic's levels are those of the fields (engine/mosaic.py).

Opening a plate reads its own metadata, every well's ``well`` metadata (all at once, through
zarr's event loop: one round trip's wait for a remote plate, not one per well) and the image
metadata of the first field that can be drawn, which gives the axes, dtype, channels, levels
and cell shape. The other wells' fields are read when a tile first touches them, so a 384-well
plate opens at the cost of 385 small documents. A well opened by itself reads the metadata of
its first ``PROBED_FIELDS`` fields at once, so its cell fits the largest of them and its levels
are those every one of them has.

Below the plate or well, nodes are read from the store itself, never from consolidated
metadata: wells are most often written one by one, after the plate's metadata.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import zarr
import zarr.api.asynchronous as zarr_async
from zarr.core.sync import sync
from zarr.errors import ContainsArrayError

from .dataset import Snapshot
from .errors import EmptyPlate
from .hcs import plate_grid, well_fields
from .labels import ome_section
from .model import Level, MosaicCell, PlateLayout
from .mosaic import Field, FieldError, MosaicReader, Reference, well_pool
from .nodes import node_attrs
from .ome import default_channels

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .readers import ArrayReader

__all__ = ["MAX_WELL_PROBLEMS", "PROBED_FIELDS", "mosaic_snapshot"]

#: Fields of a well opened by itself whose metadata is read when it opens.
PROBED_FIELDS = 64
#: Wells (or fields) that cannot be shown that ``problems`` names one by one; their entries
#: in ``plate.wells`` say it of every one.
MAX_WELL_PROBLEMS = 64
# Metadata reads in flight at once while a plate opens.
_CONCURRENCY = 64


def mosaic_snapshot(
    group: zarr.Group, name: str, open_reader: Callable[[zarr.Array], ArrayReader]
) -> Snapshot | None:
    """The mosaic of ``group`` when it is a plate or a well, else None.

    ``open_reader`` makes the reader of one level array of a field.
    """
    attrs = node_attrs(group)
    plate = ome_section(attrs, "plate")
    if isinstance(plate, Mapping):
        return _plate_snapshot(group, attrs, plate, name, open_reader)
    well = ome_section(attrs, "well")
    if isinstance(well, Mapping):
        return _well_snapshot(group, well, name, open_reader)
    return None


def _join(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p.strip("/"))


def _version(attrs: Mapping[str, Any], plate: Mapping[str, Any]) -> str:
    ome = attrs.get("ome")
    found = plate.get("version") or (ome.get("version") if isinstance(ome, Mapping) else None)
    return str(found or "")


# -- a plate ----------------------------------------------------------------------------------
def _plate_snapshot(
    group: zarr.Group,
    attrs: Mapping[str, Any],
    raw: Mapping[str, Any],
    name: str,
    open_reader: Callable[[zarr.Array], ArrayReader],
) -> Snapshot:
    grid, problems = plate_grid(raw, _version(attrs, raw), name)
    zarr_format = group.metadata.zarr_format
    found = _groups(group, [place.path for place in grid.wells])
    field_paths: list[str | None] = []
    fields: list[Field | None] = []
    errors: list[str | None] = []
    for place, node in zip(grid.wells, found, strict=True):
        path: str | None = None
        error: str | None = None
        if isinstance(node, str):
            error = f"{place.path}: {node}"
        else:
            listed, said = well_fields(ome_section(node_attrs(node), "well"), place.path)
            if listed:
                path = listed[0]
                problems.extend(said)
            else:
                error = said[0]
                problems.extend(said[1:])
        field_paths.append(path)
        errors.append(error)
        fields.append(
            None
            if path is None
            else Field(
                group.store,
                _join(group.path, place.path, path),
                zarr_format,
                f"{place.path}/{path}",
                open_reader,
            )
        )
    # The first field that can be drawn describes the mosaic; those before it cannot be.
    first: Field | None = None
    shapes: list[tuple[int, ...]] = []
    for i, field in enumerate(fields):
        if field is None:
            continue
        try:
            shapes = field.probe()
        except FieldError as exc:
            errors[i], fields[i] = str(exc), None
            continue
        first = field
        break
    if first is None:
        raise EmptyPlate(_nothing_to_show(name, "a plate", "well", errors))
    cells = tuple(
        MosaicCell(place.path, place.row, place.column, path, error)
        for place, path, error in zip(grid.wells, field_paths, errors, strict=True)
    )
    drawn = {
        (place.row, place.column): field
        for place, field in zip(grid.wells, fields, strict=True)
        if field is not None
    }
    cell_shapes = [shape[-2:] for shape in shapes]
    layout = PlateLayout(
        name=grid.name,
        rows=grid.rows,
        columns=grid.columns,
        wells=cells,
        cell=(cell_shapes[0][0], cell_shapes[0][1]),
    )
    return _mosaic(
        name, "ome-plate", first, shapes[0], cell_shapes, drawn, layout, [*problems, *_said(errors)]
    )


def _groups(group: zarr.Group, paths: Sequence[str]) -> list[zarr.Group | str]:
    """The group at each path below ``group``, or why there is none, read all at once."""
    store, zarr_format = group.store, group.metadata.zarr_format

    async def every() -> list[Any]:
        gate = asyncio.Semaphore(_CONCURRENCY)

        async def one(path: str) -> Any:
            async with gate:
                return await zarr_async.open_group(
                    store=store,
                    path=_join(group.path, path),
                    mode="r",
                    zarr_format=zarr_format,
                    use_consolidated=False,
                )

        return await asyncio.gather(*(one(p) for p in paths), return_exceptions=True)

    out: list[zarr.Group | str] = []
    for found in sync(every()):
        if isinstance(found, FileNotFoundError):
            out.append("no such group")
        elif isinstance(found, ContainsArrayError):
            out.append("is an array, not a well")
        elif isinstance(found, BaseException):
            out.append(f"its metadata could not be read ({found})")
        else:
            out.append(zarr.Group(found))
    return out


# -- a well -----------------------------------------------------------------------------------
def _well_snapshot(
    group: zarr.Group,
    raw: Mapping[str, Any],
    name: str,
    open_reader: Callable[[zarr.Array], ArrayReader],
) -> Snapshot:
    paths, problems = well_fields(raw, "well")
    if not paths:
        raise EmptyPlate(f"{name!r} is a well with no field to show ({problems[0]})")
    zarr_format = group.metadata.zarr_format
    fields = [
        Field(group.store, _join(group.path, path), zarr_format, path, open_reader)
        for path in paths
    ]
    columns = math.ceil(math.sqrt(len(paths)))
    rows = math.ceil(len(paths) / columns)
    probed = _probed(fields[:PROBED_FIELDS])
    errors: list[str | None] = [
        str(found) if isinstance(found, FieldError) else None for found in probed
    ]
    errors += [None] * (len(fields) - len(probed))
    first = next((i for i, found in enumerate(probed) if not isinstance(found, FieldError)), None)
    if first is None:
        raise EmptyPlate(_nothing_to_show(name, "a well", "field", errors))
    reference = fields[first].reference()
    shapes: list[list[tuple[int, ...]]] = []
    for i, found in enumerate(probed):
        if isinstance(found, FieldError):
            continue
        unlike = fields[i].unlike(reference)
        if unlike is not None:
            errors[i] = unlike
        else:
            shapes.append(found)
    count = min(len(s) for s in shapes)
    cell_shapes = [
        (max(s[level][-2] for s in shapes), max(s[level][-1] for s in shapes))
        for level in range(count)
    ]
    cells = tuple(
        MosaicCell(path, i // columns, i % columns, path, error)
        for i, (path, error) in enumerate(zip(paths, errors, strict=True))
    )
    drawn = {
        (i // columns, i % columns): field
        for i, (field, error) in enumerate(zip(fields, errors, strict=True))
        if error is None
    }
    layout = PlateLayout(
        name=None,
        rows=tuple(str(i + 1) for i in range(rows)),
        columns=tuple(str(i + 1) for i in range(columns)),
        wells=cells,
        cell=cell_shapes[0],
        fields=paths,
    )
    level_shapes = probed[first]
    assert not isinstance(level_shapes, FieldError)
    return _mosaic(
        name,
        "ome-well",
        fields[first],
        level_shapes[0],
        cell_shapes,
        drawn,
        layout,
        [*problems, *_said(errors)],
    )


def _probed(fields: Sequence[Field]) -> list[list[tuple[int, ...]] | FieldError]:
    """Each field's level shapes, or why it cannot be drawn; read at once where it can be."""

    def probe(field: Field) -> list[tuple[int, ...]] | FieldError:
        try:
            return field.probe()
        except FieldError as exc:
            return exc

    pool = well_pool() if len(fields) > 1 else None
    if pool is None:
        return [probe(f) for f in fields]
    return list(pool.map(probe, fields))


# -- both -------------------------------------------------------------------------------------
def _mosaic(
    name: str,
    kind: str,
    first: Field,
    first_shape: tuple[int, ...],
    cell_shapes: Sequence[tuple[int, ...]],
    drawn: Mapping[tuple[int, int], Field],
    layout: PlateLayout,
    problems: list[str],
) -> Snapshot:
    """The snapshot of a mosaic of ``layout``'s grid, described by its ``first`` field."""
    image = first.image()
    reference: Reference = first.reference()
    level0 = first.array(0)
    fill_value = level0.fill_value if level0.fill_value is not None else 0
    rows, columns = len(layout.rows), len(layout.columns)
    levels, readers = [], []
    for level, (cell_h, cell_w) in enumerate(cell_shapes):
        array = first.array(level)
        shape = (*array.shape[:-2], rows * cell_h, columns * cell_w)
        chunks = (*array.chunks[:-2], cell_h, cell_w)
        readers.append(MosaicReader(level, shape, chunks, reference, fill_value, drawn))
        levels.append(
            Level(image.paths[level], shape, chunks, image.scales[level], (0.0,) * len(shape))
        )
    axes = image.axes
    channel_axis = next((i for i, a in enumerate(axes) if a.type == "channel"), None)
    channels = (
        default_channels(first_shape[channel_axis], reference.dtype, image.channels)
        if channel_axis is not None
        else ()
    )
    return Snapshot(
        name=name,
        kind=kind,
        axes=axes,
        levels=tuple(levels),
        readers=tuple(readers),
        dtype=reference.dtype,
        fill_value=fill_value,
        channel_axis=channel_axis,
        channels=channels,
        rdefs=dict(image.rdefs) if image.rdefs else None,
        live=True,
        problems=tuple(problems),
        plate=layout,
    )


def _said(errors: Sequence[str | None]) -> list[str]:
    """The wells' (fields') errors as problems: the first ``MAX_WELL_PROBLEMS``, then a count."""
    found = [e for e in errors if e is not None]
    if len(found) <= MAX_WELL_PROBLEMS:
        return found
    rest = len(found) - MAX_WELL_PROBLEMS
    return [*found[:MAX_WELL_PROBLEMS], f"plate: {rest} more cannot be shown; see their entries"]


def _nothing_to_show(name: str, what: str, part: str, errors: Sequence[str | None]) -> str:
    found = [e for e in errors if e is not None]
    shown = "; ".join(found[:3]) + (f"; and {len(found) - 3} more" if len(found) > 3 else "")
    return f"{name!r} is {what} with no {part} that can be shown ({shown})"
