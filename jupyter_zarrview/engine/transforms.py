"""OME-NGFF coordinate transformations, reduced to the per-axis scale and translation the viewer
draws with: 0.4 and 0.5 (``scale``, ``translation``), and the 0.6 draft's (RFC-5) where they
reduce to those (``identity``, ``sequence``, and ``affine`` or ``rotation`` without rotation or
shear). Anything else is refused, saying what is not supported: drawn without it, the data
would appear in the wrong place with nothing to tell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import NotZarr

__all__ = ["scale_and_translation"]

_SUPPORTED = (
    "scale and translation (and identity, sequence, and affine or rotation without rotation "
    "or shear)"
)


def _values(t: Mapping[str, Any], key: str, ndim: int) -> list[float]:
    if "path" in t and key not in t:
        raise NotZarr(
            f"OME-NGFF {key} transformations stored in an array ('path': {t['path']!r}) are not "
            "supported; give the values in the metadata"
        )
    values = t.get(key)
    if not isinstance(values, Sequence) or isinstance(values, str):
        raise NotZarr(f"OME-NGFF {key} transformation has no list of {key} values: {t!r}")
    if len(values) != ndim:
        raise NotZarr(
            f"OME-NGFF {key} transformation has {len(values)} values for {ndim} axes: "
            f"{list(values)}"
        )
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError) as exc:
        raise NotZarr(f"OME-NGFF {key} values must be numbers: {list(values)}") from exc


def _matrix(t: Mapping[str, Any], key: str, ndim: int, columns: int) -> list[list[float]]:
    rows = t.get(key)
    wanted = f"OME-NGFF {key} transformation must be {ndim} rows of {columns} numbers"
    if not isinstance(rows, Sequence) or len(rows) not in (ndim, ndim + 1):
        raise NotZarr(wanted)
    if not all(isinstance(r, Sequence) and len(r) == columns for r in rows):
        raise NotZarr(wanted)
    try:
        return [[float(v) for v in r] for r in rows[:ndim]]
    except (TypeError, ValueError) as exc:
        raise NotZarr(wanted) from exc


def _diagonal(matrix: list[list[float]], kind: str) -> list[float]:
    for i, row in enumerate(matrix):
        if any(v != 0 for j, v in enumerate(row[: len(matrix)]) if j != i):
            raise NotZarr(
                f"OME-NGFF {kind} transformations that rotate or shear are not supported; "
                f"the viewer draws {_SUPPORTED}"
            )
    return [row[i] for i, row in enumerate(matrix)]


def _flat(raw: Any) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for t in raw or []:
        if not isinstance(t, Mapping):
            raise NotZarr(f"OME-NGFF coordinate transformation {t!r} is not an object")
        if t.get("type") == "sequence":
            out.extend(_flat(t.get("transformations")))
        else:
            out.append(t)
    return out


def scale_and_translation(raw: Any, ndim: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """What ``coordinateTransformations`` ``raw`` does to each of ``ndim`` axes, in order."""
    scale = [1.0] * ndim
    translation = [0.0] * ndim

    def then_scale(values: list[float]) -> None:
        # A later scale scales what came before it, translation included.
        for i, v in enumerate(values):
            scale[i] *= v
            translation[i] *= v

    def then_translate(values: list[float]) -> None:
        for i, v in enumerate(values):
            translation[i] += v

    for t in _flat(raw):
        kind = t.get("type")
        if kind == "identity":
            continue
        if kind == "scale":
            then_scale(_values(t, "scale", ndim))
        elif kind == "translation":
            then_translate(_values(t, "translation", ndim))
        elif kind == "affine":
            matrix = _matrix(t, "affine", ndim, ndim + 1)
            then_scale(_diagonal(matrix, "affine"))
            then_translate([row[ndim] for row in matrix])
        elif kind == "rotation":
            then_scale(_diagonal(_matrix(t, "rotation", ndim, ndim), "rotation"))
        else:
            raise NotZarr(
                f"OME-NGFF coordinate transformations of type {kind!r} are not supported; "
                f"the viewer draws {_SUPPORTED}"
            )
    return tuple(scale), tuple(translation)
