"""OME-NGFF high-content screening metadata: a plate's rows, columns and wells, a well's fields.

0.4 keeps ``plate`` and ``well`` in the Zarr v2 attributes, 0.5 under ``ome`` in zarr.json;
both places are looked in, as for labels. One bad entry never stops a plate: each well or field
that cannot be placed is left out and said in a sentence (``problems`` of ``info``). Only a
plate without rows, columns or a list of wells cannot be laid out at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import EmptyPlate

__all__ = ["MAX_FIELDS", "MAX_WELLS", "PlateGrid", "WellPlace", "plate_grid", "well_fields"]

#: Wells of a plate that are looked at: more than the largest plate made (3456 wells). Each
#: costs a metadata read when the plate is opened.
MAX_WELLS = 4096
#: Fields of a well that are looked at.
MAX_FIELDS = 1024
# Versions before 0.4 placed a well by its path alone ("B/3": row B, column 3).
_BY_PATH = frozenset({"0.1", "0.2", "0.3"})


@dataclass(frozen=True)
class WellPlace:
    """A well the plate lists, and its cell: the row and column of the plate it is in."""

    path: str  # relative to the plate, without empty or "." parts
    row: int
    column: int


@dataclass(frozen=True)
class PlateGrid:
    """What a plate's metadata says: its name, rows, columns, and the wells that can be placed."""

    name: str | None
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    wells: tuple[WellPlace, ...]


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return next((n for t, n in names.items() if isinstance(value, t)), "a number")


def _index(value: Any) -> int | None:
    # JSON has one kind of number: 2.0 is the index 2, 2.5 is none.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _relative(path: str) -> str | None:
    """``path`` without empty or "." parts; None when it leads out (``..``) or is empty."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _names(raw: Any, key: str, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    names: list[str] = []
    for i, entry in enumerate(raw):
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if not isinstance(name, str) or not name:
            name = str(i + 1)
            problems.append(f"plate: {key}[{i}] has no name; it is called {name!r}")
        names.append(name)
    return tuple(names)


def plate_grid(raw: Mapping[str, Any], version: str, where: str) -> tuple[PlateGrid, list[str]]:
    """The plate ``raw`` (its ``plate`` metadata) describes, and what is wrong in it.

    ``where`` names the plate in the error raised when it has no rows, columns or wells list.
    """
    problems: list[str] = []
    rows = _names(raw.get("rows"), "rows", problems)
    columns = _names(raw.get("columns"), "columns", problems)
    listed = raw.get("wells")
    if not isinstance(listed, list):
        listed = []
    if not rows or not columns or not listed:
        found = {"rows": rows, "columns": columns, "wells": listed}
        missing = [key for key, entries in found.items() if not entries]
        raise EmptyPlate(
            f"{where!r} is a plate whose metadata lists no {' and no '.join(missing)}, so it has "
            "no wells to show"
        )
    by_path = version in _BY_PATH
    wells: list[WellPlace] = []
    taken: dict[tuple[int, int], str] = {}
    for i, entry in enumerate(listed):
        if len(wells) == MAX_WELLS:
            problems.append(
                f"plate: lists {len(listed)} wells; only the first {MAX_WELLS} are shown"
            )
            break
        place = _place(i, entry, rows, columns, by_path, problems)
        if place is None:
            continue
        if place.path in taken.values():
            problems.append(
                f"plate: well {place.path!r} is listed more than once; it is shown once"
            )
            continue
        other = taken.get((place.row, place.column))
        if other is not None:
            problems.append(
                f"plate: well {place.path!r} is at row {rows[place.row]}, column "
                f"{columns[place.column]}, where {other!r} is already; it is skipped"
            )
            continue
        taken[(place.row, place.column)] = place.path
        wells.append(place)
    name = raw.get("name")
    grid = PlateGrid(
        name=name if isinstance(name, str) else None,
        rows=rows,
        columns=columns,
        wells=tuple(wells),
    )
    return grid, problems


def _place(
    i: int,
    entry: Any,
    rows: tuple[str, ...],
    columns: tuple[str, ...],
    by_path: bool,
    problems: list[str],
) -> WellPlace | None:
    """The cell of the plate's ``wells[i]``; None, said in ``problems``, when it has none."""
    if not isinstance(entry, Mapping):
        problems.append(f"plate: wells[{i}] is {_kind(entry)}, not an object; it is skipped")
        return None
    raw_path = entry.get("path")
    if not isinstance(raw_path, str):
        problems.append(f"plate: wells[{i}] has no path; it is skipped")
        return None
    path = _relative(raw_path)
    if path is None:
        problems.append(f"plate: well {raw_path!r} names a node outside the plate; it is skipped")
        return None
    row, column = _index(entry.get("rowIndex")), _index(entry.get("columnIndex"))
    if row is None or column is None:
        parts = path.split("/")
        if len(parts) == 2 and parts[0] in rows and parts[1] in columns:
            if not by_path:
                problems.append(
                    f"plate: well {path!r} has no rowIndex or columnIndex; it is placed by its path"
                )
            return WellPlace(path, rows.index(parts[0]), columns.index(parts[1]))
        problems.append(
            f"plate: well {path!r} has no rowIndex or columnIndex, and its path names no row and "
            "column of the plate; it is skipped"
        )
        return None
    for key, index, names in (("rowIndex", row, rows), ("columnIndex", column, columns)):
        if not 0 <= index < len(names):
            kind = "rows" if key == "rowIndex" else "columns"
            problems.append(
                f"plate: well {path!r} has {key} {index}, but the plate has {len(names)} {kind} "
                f"(0 to {len(names) - 1}); it is skipped"
            )
            return None
    return WellPlace(path, row, column)


def well_fields(raw: Any, where: str) -> tuple[tuple[str, ...], list[str]]:
    """The fields (image paths, relative to the well) that a well's ``well`` metadata lists,
    in its order, and what is wrong in it. ``where`` names the well in the sentences.

    A well with no field to show has as first problem the sentence that says so.
    """
    if not isinstance(raw, Mapping):
        return (), [f"{where}: has no 'well' metadata listing its fields"]
    images = raw.get("images")
    if not isinstance(images, list) or not images:
        return (), [f"{where}: the well lists no images"]
    fields: list[str] = []
    problems: list[str] = []
    for i, entry in enumerate(images):
        if len(fields) == MAX_FIELDS:
            problems.append(
                f"{where}: lists {len(images)} images; only the first {MAX_FIELDS} are shown"
            )
            break
        raw_path = entry.get("path") if isinstance(entry, Mapping) else None
        if not isinstance(raw_path, str):
            problems.append(f"{where}: images[{i}] has no path; it is skipped")
            continue
        path = _relative(raw_path)
        if path is None:
            problems.append(
                f"{where}: image {raw_path!r} names a node outside the well; it is skipped"
            )
        elif path in fields:
            problems.append(f"{where}: image {path!r} is listed more than once; it is shown once")
        else:
            fields.append(path)
    if not fields:
        return (), [f"{where}: the well lists no images that can be opened", *problems]
    return tuple(fields), problems
