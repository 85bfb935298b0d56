"""OME-NGFF images with label images, as ome-zarr-py (0.4, 0.5) and ngff-zarr (0.5) write them.

Shared by the engine and server tests.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import zarr

if TYPE_CHECKING:
    from pathlib import Path
    from types import ModuleType

#: The image the labels are of: two channels of 32 x 48.
IMAGE = np.arange(2 * 32 * 48, dtype=np.uint16).reshape(2, 32, 48)


def cells(dtype: str = "uint32") -> np.ndarray:
    """A label image of IMAGE's plane: three cells on background 0."""
    out = np.zeros((32, 48), dtype=dtype)
    out[2:10, 3:12] = 1
    out[12:30, 20:40] = 2
    out[25:31, 1:6] = 3
    return out


def pyramid(level0: np.ndarray) -> list[np.ndarray]:
    """Two levels, the second by nearest neighbour: label ids are never averaged."""
    return [level0, np.ascontiguousarray(level0[::2, ::2])]


def ome_zarr_writer() -> ModuleType:
    """``ome_zarr.writer``, imported without the DeprecationWarning it raises at import."""
    with warnings.catch_warnings():
        # A default argument of one of its functions is an instance of its deprecated Scaler.
        warnings.simplefilter("ignore", DeprecationWarning)
        import ome_zarr.writer
    return ome_zarr.writer


def _format(version: str) -> Any:
    from ome_zarr.format import FormatV04, FormatV05

    return FormatV04() if version == "0.4" else FormatV05()


def write_image(path: Path, version: str) -> zarr.Group:
    """IMAGE as an OME-NGFF image of two levels, written by ome-zarr-py."""
    group = zarr.open_group(str(path), mode="w", zarr_format=2 if version == "0.4" else 3)
    ome_zarr_writer().write_image(IMAGE, group, axes="cyx", fmt=_format(version), scale_factors=[2])
    return group


def write_labels(
    group: zarr.Group,
    name: str,
    levels: list[np.ndarray],
    version: str,
    label_metadata: dict[str, Any] | None = None,
) -> None:
    """A label image of these levels in ``group``'s ``labels``, listed there, by ome-zarr-py."""
    ome_zarr_writer().write_multiscale_labels(
        levels,
        group,
        name=name,
        axes="yx",
        fmt=_format(version),
        label_metadata=label_metadata,
    )


def write_ngff_zarr(path: Path, data: np.ndarray, dims: list[Any], *, labels: bool) -> None:
    """``data`` as an OME-NGFF 0.5 image of two levels, written by ngff-zarr.

    ngff-zarr writes the multiscales of label images (downsampled by the label mode) but no
    ``labels`` or ``image-label`` metadata: the tests write those with zarr-python.
    """
    import ngff_zarr as nz

    image = nz.to_ngff_image(data, dims=dims, name=path.name)
    method = nz.Methods.ITKWASM_LABEL_IMAGE if labels else None
    multiscales = nz.to_multiscales(image, scale_factors=[2], method=method)
    nz.to_ngff_zarr(str(path), multiscales, version="0.5")


def ome_attrs(path: Path) -> dict[str, Any]:
    """The OME metadata of the group at ``path``: ``ome`` of zarr.json, or the v2 attributes."""
    attrs: dict[str, Any] = dict(zarr.open_group(str(path), mode="r", use_consolidated=False).attrs)
    return dict(attrs["ome"]) if "ome" in attrs else attrs


def set_ome_attrs(path: Path, **values: Any) -> None:
    """Sets OME metadata keys of the group at ``path``, where its version keeps them."""
    group = zarr.open_group(str(path), mode="r+", use_consolidated=False)
    if group.metadata.zarr_format == 3:
        found: Any = group.attrs.get("ome")
        ome = dict(found or {"version": "0.5"})
        ome.update(values)
        group.attrs["ome"] = ome
    else:
        group.attrs.update(values)
