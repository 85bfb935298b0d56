"""Selections: numpy basic indexing (an integer or a slice per axis), parsed and checked."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .errors import BadParameter

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "Selection",
    "chunk_box",
    "normalize_selection",
    "parse_selection",
    "selection_shape",
    "selection_text",
]

Selection = tuple[int | slice, ...]

_INT = r"[+-]?[0-9]{1,18}"
_ENTRY = re.compile(
    rf"^(?:(?P<index>{_INT})|(?P<start>{_INT})?:(?P<stop>{_INT})?(?::(?P<step>{_INT})?)?)$"
)


def parse_selection(text: str, shape: Sequence[int]) -> Selection:
    """``"3,0:512,::2"`` -> ``(3, slice(0, 512, 1), slice(0, n, 2))``, checked against ``shape``."""
    if not isinstance(text, str) or not text.strip():
        raise BadParameter(
            "sel is empty", parameter="sel", expected=f"{len(shape)} comma-separated entries"
        )
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != len(shape):
        raise BadParameter(
            f"sel has {len(parts)} entries but the array has {len(shape)} axes",
            parameter="sel",
            expected=f"{len(shape)} comma-separated entries, one per axis",
        )
    entries: list[int | slice] = []
    for axis, part in enumerate(parts):
        match = _ENTRY.match(part)
        if match is None:
            raise BadParameter(
                f"sel entry {axis} ({part!r}) is not an index or a slice",
                parameter="sel",
                expected="an integer, start:stop or start:stop:step per axis",
            )
        if match["index"] is not None:
            entries.append(int(match["index"]))
        else:
            entries.append(
                slice(
                    None if match["start"] is None else int(match["start"]),
                    None if match["stop"] is None else int(match["stop"]),
                    None if match["step"] is None else int(match["step"]),
                )
            )
    return normalize_selection(tuple(entries), shape)


def normalize_selection(selection: Sequence[int | slice], shape: Sequence[int]) -> Selection:
    """Explicit non-negative indices and bounds, as numpy would read them; errors name the axis."""
    if len(selection) != len(shape):
        raise BadParameter(
            f"the selection has {len(selection)} entries but the array has {len(shape)} axes",
            parameter="sel",
            expected=f"{len(shape)} entries, one per axis",
        )
    out: list[int | slice] = []
    for axis, (entry, size) in enumerate(zip(selection, shape, strict=False)):
        if isinstance(entry, slice):
            if entry.step is not None and entry.step < 1:
                raise BadParameter(
                    f"sel entry {axis} has step {entry.step}",
                    parameter="sel",
                    expected="a step of 1 or more",
                )
            start, stop, step = entry.indices(size)
            out.append(slice(start, max(start, stop), step))
        elif isinstance(entry, int) and not isinstance(entry, bool):
            index = entry + size if entry < 0 else entry
            if not 0 <= index < size:
                raise BadParameter(
                    f"index {entry} is out of range for axis {axis} of size {size}",
                    parameter="sel",
                    expected=f"an integer from {-size} to {size - 1}",
                )
            out.append(index)
        else:
            raise BadParameter(
                f"selection entry {axis} is {entry!r}",
                parameter="sel",
                expected="an integer or a slice per axis",
            )
    return tuple(out)


def selection_shape(selection: Selection) -> tuple[int, ...]:
    return tuple(len(range(s.start, s.stop, s.step)) for s in selection if isinstance(s, slice))


def selection_text(selection: Selection) -> str:
    """The canonical text of a normalized selection, e.g. for cache keys and ETags."""
    return ",".join(
        f"{s.start}:{s.stop}:{s.step}" if isinstance(s, slice) else str(s) for s in selection
    )


def chunk_box(selection: Selection, chunks: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """The chunks a normalized selection touches: first and last chunk index per axis."""
    box = []
    for entry, size in zip(selection, chunks, strict=True):
        if isinstance(entry, slice):
            count = len(range(entry.start, entry.stop, entry.step))
            last = entry.start + max(0, count - 1) * entry.step
            box.append((entry.start // size, last // size))
        else:
            box.append((entry // size, entry // size))
    return tuple(box)
