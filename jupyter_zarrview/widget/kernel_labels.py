"""Label images in the kernel: ``ZarrView(image, labels=ids)``, as napari's ``add_labels``.

They are named by the image's trailing axes (a 2-D segmentation of a ``(c, z, y, x)`` image is
``(y, x)``; its channel axis is skipped), so the viewer lays them over the image by name as it
does an OME-NGFF label image, and they travel over widget messages as the image's ``layer``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..engine import Dataset, Engine

__all__ = ["kernel_label_sources", "open_kernel_labels", "with_kernel_labels"]

#: The name of a label image given alone.
DEFAULT_NAME = "labels"


def _is_array(value: Any) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, Mapping)


def kernel_label_sources(value: Any) -> dict[str, Any] | None:
    """The label arrays ``labels=`` names (an array, or ``{name: array}``); None for settings."""
    if _is_array(value):
        return {DEFAULT_NAME: value}
    if isinstance(value, Mapping) and value and all(_is_array(v) for v in value.values()):
        return {str(k): v for k, v in value.items()}
    return None


def _axis_names(image: Dataset, ndim: int, name: str) -> list[str]:
    names = [a.name for a in image.axes]
    if ndim < len(names) and image.channel_axis is not None:
        names = [n for i, n in enumerate(names) if i != image.channel_axis]
    if ndim > len(names) or ndim < 2:
        raise ValueError(
            f"labels {name!r} has {ndim} dimensions; it must have 2 up to the image's "
            f"{len(names)} ({', '.join(names)}), matching its last axes"
        )
    return names[-ndim:]


def open_kernel_labels(
    sources: Mapping[str, Any], image: Dataset, engine: Engine
) -> dict[str, Dataset]:
    """Each label array as a dataset named by the image's axes; refuses what cannot lie over it."""
    out: dict[str, Dataset] = {}
    shape = dict(zip((a.name for a in image.axes), image.levels[0].shape, strict=True))
    for name, source in sources.items():
        dtype = np.dtype(source.dtype)
        if dtype.kind not in "iu":
            raise TypeError(
                f"labels {name!r} has dtype {dtype}; label ids must be integers (cast it, e.g. "
                "with .astype('uint32'))"
            )
        axes = _axis_names(image, len(source.shape), name)
        wanted = tuple(shape[a] for a in axes)
        if tuple(source.shape) != wanted:
            raise ValueError(
                f"labels {name!r} has shape {tuple(source.shape)}; over the image's "
                f"{', '.join(axes)} it must be {wanted}"
            )
        out[name] = engine.open(source, axes=axes)
    return out


def with_kernel_labels(info: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """``info`` listing the kernel's label images after the store's own."""
    if not names:
        return info
    listed = [*info.get("labels", []), *({"name": n, "path": n, "error": None} for n in names)]
    return {**info, "labels": listed}
