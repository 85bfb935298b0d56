"""Statistics for auto-contrast: per-channel range, percentiles and histogram, at bounded cost."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .selection import Selection, selection_shape

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["MAX_STATS_ELEMENTS", "selection_stats"]

# Enough samples for stable 0.1 % percentiles, few enough to answer in tens of milliseconds.
MAX_STATS_ELEMENTS = 1 << 22
PERCENTILES = (0.1, 1.0, 50.0, 99.0, 99.9)


def _thin(selection: Selection, max_elements: int) -> tuple[Selection, bool]:
    """Strides the longest axes until the selection has at most ``max_elements``."""
    sel = list(selection)
    sampled = False
    while int(np.prod(selection_shape(tuple(sel)), dtype=np.int64)) > max_elements:
        sizes = [
            (len(range(s.start, s.stop, s.step)), i)
            for i, s in enumerate(sel)
            if isinstance(s, slice)
        ]
        _, axis = max(sizes)
        s = sel[axis]
        assert isinstance(s, slice)
        sel[axis] = slice(s.start, s.stop, s.step * 2)
        sampled = True
    return tuple(sel), sampled


def _one(values: np.ndarray, bins: int) -> dict[str, Any]:
    flat = values.reshape(-1)
    if flat.dtype.kind == "f":
        finite_mask = np.isfinite(flat)
        nan_count = int(np.count_nonzero(np.isnan(flat)))
        finite = flat[finite_mask] if not finite_mask.all() else flat
    else:
        nan_count = 0
        finite = flat
    out: dict[str, Any] = {"count": int(flat.size), "nan_count": nan_count}
    if finite.size == 0:
        out.update(
            min=None,
            max=None,
            mean=None,
            percentiles={},
            histogram={"min": None, "max": None, "counts": []},
        )
        return out
    as_float = finite.astype(np.float64, copy=False)
    lo, hi = float(as_float.min()), float(as_float.max())
    counts, edges = np.histogram(as_float, bins=bins, range=(lo, hi) if hi > lo else (lo, lo + 1))
    pct = np.percentile(as_float, PERCENTILES)
    out.update(
        min=lo,
        max=hi,
        mean=float(as_float.mean()),
        percentiles={f"{p:g}": float(v) for p, v in zip(PERCENTILES, pct, strict=False)},
        histogram={"min": float(edges[0]), "max": float(edges[-1]), "counts": counts.tolist()},
    )
    return out


def selection_stats(
    read: Callable[[Selection], np.ndarray],
    selection: Selection,
    channel_axis: int | None,
    level: int,
    bins: int,
    max_elements: int = MAX_STATS_ELEMENTS,
) -> dict[str, Any]:
    sel, sampled = _thin(selection, max_elements)
    data = read(sel)
    if channel_axis is not None and isinstance(sel[channel_axis], slice):
        # Where the channel axis sits in the answer, once integer entries have dropped theirs.
        position = sum(isinstance(s, slice) for s in sel[:channel_axis])
        channels = [
            _one(np.take(data, i, axis=position), bins) for i in range(data.shape[position])
        ]
    else:
        channels = [_one(data, bins)]
    return {"level": level, "sampled": sampled, "channels": channels}
