"""From whatever the user has (a path, a URL, a zarr object, an array) to a ``Snapshot``."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fsspec
import numpy as np
import zarr
import zarr.storage

from .bioformats2raw import is_bioformats2raw, series_names
from .dataset import Snapshot
from .errors import (
    BadParameter,
    EmptyPlate,
    NotAnImage,
    NotFound,
    NotZarr,
    ZarrViewError,
    store_failure,
)
from .labels import image_label, label_entries
from .model import Axis, Level
from .nodes import member, node_attrs
from .ome import OmeImage, default_channels, ome_image
from .plates import mosaic_snapshot
from .readers import (
    ArrayReader,
    InMemoryReader,
    TensorstoreReader,
    ZarrReader,
    check_wire_dtype,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    import tensorstore as ts

__all__ = ["describe_source", "snapshot_opener"]

log = logging.getLogger(__name__)

_CHANNEL_NAMES = {"c", "ch", "channel", "channels"}
_MAX_CHILDREN = 500


def _is_url(source: str) -> bool:
    return "://" in source and not source.startswith("file://")


# -- zarr nodes ------------------------------------------------------------------------------
def _open_node(source: Any, storage_options: Mapping[str, Any] | None) -> tuple[Any, Path | None]:
    """The root zarr node of ``source``, and its folder when it is a local directory store."""
    if isinstance(source, (zarr.Array, zarr.Group)):
        return source, _local_root(source)
    text = os.fspath(source) if isinstance(source, os.PathLike) else source
    if not isinstance(text, str):
        raise TypeError(
            f"cannot open {type(source).__name__}: pass a path, a URL, a zarr Array or Group, "
            "or a numpy, dask or xarray array"
        )
    if text.startswith("file://"):
        text = text[len("file://") :]
    if _is_url(text):
        return _open_url(text, storage_options), None
    path = Path(text).expanduser()
    if not path.exists():
        raise NotFound(f"{text} does not exist", parameter="path", expected="a Zarr store")
    if path.is_file():
        if path.suffix != ".zip":
            raise NotZarr(
                f"{text} is a file, not a Zarr store",
                parameter="path",
                expected="a Zarr folder or a .zip store",
            )
        try:
            store = zarr.storage.ZipStore(str(path), mode="r")
            return zarr.open(store=store, mode="r"), None
        except Exception as exc:
            raise NotZarr(f"{text} is not a Zarr zip store: {exc}", parameter="path") from exc
    try:
        node = zarr.open(str(path), mode="r")
    except Exception as exc:
        raise NotZarr(
            f"{text} holds no Zarr array or group",
            parameter="path",
            expected="a folder with .zarray, .zgroup or zarr.json",
        ) from exc
    return node, path.resolve()


def _open_url(url: str, storage_options: Mapping[str, Any] | None) -> Any:
    # Three steps, so that each failure names its cause: a protocol nothing here can read, options
    # the filesystem refuses, then what the store itself answers.
    for protocol in _protocols(url):
        try:
            fsspec.get_filesystem_class(protocol)
        except (ImportError, ValueError) as exc:
            raise NotZarr(
                f"{url} cannot be read: {exc}",
                parameter="path",
                expected="a URL of a protocol that fsspec reads, with its package installed",
            ) from exc
    try:
        store = zarr.storage.FsspecStore.from_url(
            url, storage_options=dict(storage_options or {}), read_only=True
        )
    except Exception as exc:
        failure = store_failure(exc, url)
        if failure is not None:
            raise failure from exc
        raise BadParameter(
            f"the storage_options for {url} were refused: {exc}",
            parameter="storage_options",
            expected="options that the URL's fsspec filesystem takes",
        ) from exc
    try:
        return zarr.open(store=store, mode="r")
    except FileNotFoundError as exc:
        raise NotFound(f"nothing at {url}", parameter="path") from exc
    except Exception as exc:
        failure = store_failure(exc, url)
        if failure is not None:
            raise failure from exc
        raise NotZarr(f"{url} could not be opened as Zarr: {exc}", parameter="path") from exc


def _protocols(url: str) -> list[str]:
    """The protocols of a URL or an fsspec chain (``zip::s3://b/x.zip`` has two)."""
    return [part.split("://", 1)[0] if "://" in part else part for part in url.split("::")]


def _local_root(node: Any) -> Path | None:
    store = node.store
    root = getattr(store, "root", None)
    if root is None or type(store).__name__ != "LocalStore":
        return None
    return Path(root).resolve()


def _reopened(node: Any) -> Any:
    # A zarr object holds the metadata it was opened with; reading it again from its store is
    # what lets refresh() see a grown shape.
    try:
        return zarr.open(store=node.store, path=node.path, mode="r")
    except Exception:
        return node


def _child(node: Any, array: str | None) -> Any:
    if not array:
        return node
    if not isinstance(node, zarr.Group):
        raise NotFound(f"{array!r} cannot be found in an array", parameter="array")
    try:
        return member(node, array.strip("/"))
    except KeyError as exc:
        raise NotFound(
            f"the group has no array or group {array!r}",
            parameter="array",
            expected="the path of an array or image inside the group",
        ) from exc


def _children(group: Any, store_root: Path | None) -> list[dict[str, Any]]:
    """Images and arrays below a group, for a caller to choose from (plates, label sets...)."""
    found: list[dict[str, Any]] = []

    def add(path: str, child: Any) -> None:
        if isinstance(child, zarr.Array):
            kind, first = "array", child
        else:
            image = ome_image(node_attrs(child))
            if image is None:
                return
            kind, first = "image", child[image.paths[0]]
        found.append(
            {"path": path, "kind": kind, "shape": list(first.shape), "dtype": str(first.dtype)}
        )

    if store_root is not None:
        # Walk the folder: intermediate groups without metadata (implicit groups) are common
        # in hand-made plates, and zarr-python does not list through them.
        base = store_root / group.path if group.path else store_root
        for folder, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            rel = Path(folder).relative_to(base).as_posix()
            if rel == "." or not ({"zarr.json", ".zarray", ".zgroup", ".zattrs"} & set(files)):
                continue
            if len(found) >= _MAX_CHILDREN or rel.count("/") > 5:
                break
            try:
                child = group[rel]
            except (KeyError, ValueError):
                continue
            before = len(found)
            add(rel, child)
            if isinstance(child, zarr.Array) or len(found) > before:
                dirs[:] = []  # an array's chunks and an image's levels are not choices
        return found

    def walk(node: Any, prefix: str, depth: int) -> None:
        if depth > 5 or len(found) >= _MAX_CHILDREN:
            return
        for name, child in sorted(node.members(max_depth=0), key=lambda kv: kv[0]):
            before = len(found)
            add(f"{prefix}{name}", child)
            if isinstance(child, zarr.Group) and len(found) == before:
                walk(child, f"{prefix}{name}/", depth + 1)

    walk(group, "", 0)
    return found


def _named_children(group: Any, store_root: Path | None) -> list[dict[str, Any]]:
    """``_children``, each with the ``name`` a bioformats2raw series was given, where known."""
    found = _children(group, store_root)
    if is_bioformats2raw(group):
        names = series_names(group)
        for child in found:
            if child["path"] in names:
                child["name"] = names[child["path"]]
        found = [c for c in found if c["path"] != "OME"]
    return found


def _tensorstore_or_zarr(
    array: zarr.Array, folder: Path | None, context: ts.Context | None
) -> ArrayReader:
    if folder is not None and context is not None:
        try:
            return TensorstoreReader(folder, array.metadata.zarr_format, array, context)
        except Exception as exc:  # a codec or layout tensorstore does not read
            log.debug("tensorstore cannot open %s (%s); reading with zarr-python", folder, exc)
    return ZarrReader(array)


def _array_folder(root_folder: Path | None, node: Any) -> Path | None:
    if root_folder is None:
        return None
    return root_folder / node.path if node.path else root_folder


def _axes_for_array(array: zarr.Array) -> tuple[Axis, ...]:
    names = None
    meta = array.metadata
    dimension_names = getattr(meta, "dimension_names", None)
    if getattr(meta, "zarr_format", 2) == 3 and dimension_names:
        names = [str(n) if n is not None else f"dim_{i}" for i, n in enumerate(dimension_names)]
    else:
        dims = node_attrs(array).get("_ARRAY_DIMENSIONS")
        if isinstance(dims, list) and len(dims) == array.ndim:
            names = [str(n) for n in dims]
    if names is None or len(set(names)) != len(names):
        names = [f"dim_{i}" for i in range(array.ndim)]
    return tuple(Axis(n, "channel" if n.lower() in _CHANNEL_NAMES else None) for n in names)


def _channel_axis(axes: tuple[Axis, ...]) -> int | None:
    return next((i for i, a in enumerate(axes) if a.type == "channel"), None)


def _image_snapshot(
    group: Any, image: OmeImage, folder: Path | None, context: ts.Context | None, name: str
) -> Snapshot:
    readers, levels = [], []
    levels_meta = zip(image.paths, image.scales, image.translations, strict=True)
    for path, scale, translation in levels_meta:
        try:
            array = group[path]
        except KeyError as exc:
            raise NotFound(f"the image's level {path!r} is missing", parameter="path") from exc
        if not isinstance(array, zarr.Array):
            raise NotZarr(f"the image's level {path!r} is a group, not an array", parameter="path")
        if array.ndim != len(image.axes):
            raise NotZarr(
                f"level {path!r} has {array.ndim} dimensions but the image has "
                f"{len(image.axes)} axes",
                parameter="path",
            )
        check_wire_dtype(np.dtype(array.dtype), f"level {path!r}")
        readers.append(_tensorstore_or_zarr(array, _array_folder(folder, array), context))
        levels.append(Level(path, readers[-1].shape, readers[-1].chunks, scale, translation))
    channel_axis = _channel_axis(image.axes)
    dtype = readers[0].dtype
    count = levels[0].shape[channel_axis] if channel_axis is not None else 1
    channels = default_channels(count, dtype, image.channels) if channel_axis is not None else ()
    labels, problems = label_entries(group)
    own_label, label_problems = image_label(node_attrs(group), dtype)
    return Snapshot(
        name=name,
        kind=f"ome-ngff-{image.version}",
        axes=image.axes,
        levels=tuple(levels),
        readers=tuple(readers),
        dtype=dtype,
        fill_value=readers[0].fill_value,
        channel_axis=channel_axis,
        channels=channels,
        rdefs=dict(image.rdefs) if image.rdefs else None,
        live=True,
        labels=labels,
        image_label=own_label,
        problems=(*problems, *label_problems),
    )


def _array_snapshot(
    array: zarr.Array, folder: Path | None, context: ts.Context | None, name: str
) -> Snapshot:
    dtype = np.dtype(array.dtype)
    check_wire_dtype(dtype, name)
    reader = _tensorstore_or_zarr(array, _array_folder(folder, array), context)
    axes = _axes_for_array(array)
    channel_axis = _channel_axis(axes)
    channels = (
        default_channels(reader.shape[channel_axis], dtype) if channel_axis is not None else ()
    )
    return Snapshot(
        name=name,
        kind=f"zarr-v{array.metadata.zarr_format}",
        axes=axes,
        levels=(
            Level(
                array.path or "",
                reader.shape,
                reader.chunks,
                (1.0,) * array.ndim,
                (0.0,) * array.ndim,
            ),
        ),
        readers=(reader,),
        dtype=dtype,
        fill_value=reader.fill_value,
        channel_axis=channel_axis,
        channels=channels,
        rdefs=None,
        live=True,
    )


def _in_memory_snapshot(
    source: Any, name: str | None, axis_names: Sequence[str] | None = None
) -> Snapshot:
    kind = "numpy"
    axes: tuple[Axis, ...] | None = None
    scale = translation = None
    data = source
    if hasattr(source, "dims") and hasattr(source, "coords") and hasattr(source, "data"):
        kind = "xarray"
        axes = tuple(
            Axis(str(d), "channel" if str(d).lower() in _CHANNEL_NAMES else None)
            for d in source.dims
        )
        scale, translation = _xarray_spacing(source)
        data = source.data
        name = name or (str(source.name) if source.name is not None else None)
    if type(data).__module__.startswith("dask"):
        kind = "dask" if kind == "numpy" else kind
    elif not isinstance(data, np.ndarray):
        data = np.asarray(data)
    if data.ndim < 2:
        raise ZarrViewError(
            f"the array has {data.ndim} dimension(s); the viewer shows arrays of 2 or more",
            parameter="source",
            expected="an array with at least 2 dimensions",
        )
    dtype = np.dtype(data.dtype)
    check_wire_dtype(dtype, "the array")
    reader = InMemoryReader(data)
    if axis_names is not None:
        if len(axis_names) != data.ndim or len(set(axis_names)) != data.ndim:
            raise ZarrViewError(
                f"axes names {list(axis_names)} must be {data.ndim} distinct names, one per "
                "dimension of the array",
                parameter="axes",
            )
        axes = tuple(
            Axis(str(n), "channel" if str(n).lower() in _CHANNEL_NAMES else None)
            for n in axis_names
        )
    if axes is None:
        axes = tuple(Axis(f"dim_{i}") for i in range(data.ndim))
    channel_axis = _channel_axis(axes)
    channels = (
        default_channels(reader.shape[channel_axis], dtype) if channel_axis is not None else ()
    )
    return Snapshot(
        name=name or kind,
        kind=kind,
        axes=axes,
        levels=(
            Level(
                "",
                reader.shape,
                reader.chunks,
                scale or (1.0,) * data.ndim,
                translation or (0.0,) * data.ndim,
            ),
        ),
        readers=(reader,),
        dtype=dtype,
        fill_value=None,
        channel_axis=channel_axis,
        channels=channels,
        rdefs=None,
        live=False,
    )


def _xarray_spacing(da: Any) -> tuple[tuple[float, ...], tuple[float, ...]]:
    scale, translation = [], []
    for dim in da.dims:
        coord = da.coords.get(dim)
        values = np.asarray(coord.values) if coord is not None else None
        if (
            values is not None
            and values.ndim == 1
            and values.size >= 2
            and values.dtype.kind in "iuf"
        ):
            step = np.diff(values.astype(np.float64))
            if np.all(step > 0) and np.allclose(step, step[0], rtol=1e-6):
                scale.append(float(step[0]))
                translation.append(float(values[0]))
                continue
        scale.append(1.0)
        translation.append(0.0)
    return tuple(scale), tuple(translation)


def _is_in_memory(source: Any) -> bool:
    if isinstance(source, (str, os.PathLike, zarr.Array, zarr.Group)):
        return False
    return (hasattr(source, "shape") and hasattr(source, "dtype")) or isinstance(
        source, (list, tuple)
    )


def _display_name(source: Any, array: str | None) -> str:
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source).rstrip("/")
        base = text.rsplit("/", 1)[-1] or text
    else:
        base = (
            getattr(source, "basename", None)
            or getattr(source, "name", None)
            or type(source).__name__
        )
        base = str(base).strip("/") or type(source).__name__
    return f"{base}/{array.strip('/')}" if array else base


def describe_source(source: Any, array: str | None = None) -> tuple[Any, ...]:
    """A hashable identity for memoizing opens: the resolved path, or the object itself."""
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if not _is_url(text):
            text = str(Path(text.removeprefix("file://")).expanduser().resolve())
        return ("path", text, array or "")
    return ("object", id(source), array or "")


def snapshot_opener(
    source: Any,
    array: str | None,
    storage_options: Mapping[str, Any] | None,
    context: ts.Context | None,
    axes: Sequence[str] | None = None,
) -> Callable[[], Snapshot]:
    """A function that reads the metadata afresh each time it is called (for ``refresh``).

    ``axes`` names the dimensions of an array in memory (a store's metadata names its own).
    """
    name = _display_name(source, array)
    if _is_in_memory(source):
        if array:
            raise ZarrViewError("'array' applies only to Zarr groups", parameter="array")
        snapshot = _in_memory_snapshot(source, None, axes)
        return lambda: snapshot
    if axes is not None:
        raise ZarrViewError(
            "'axes' applies only to arrays in memory; a store's metadata names its axes",
            parameter="axes",
        )

    def open_snapshot() -> Snapshot:
        root, store_root = _open_node(source, storage_options)
        if isinstance(source, (zarr.Array, zarr.Group)):
            root = _reopened(source)
        node = _child(root, array)
        remote = root.store if isinstance(root.store, zarr.storage.FsspecStore) else None
        if isinstance(node, zarr.Array):
            return replace(_array_snapshot(node, store_root, context, name), store=remote)
        image = ome_image(node_attrs(node))
        if image is not None:
            return replace(_image_snapshot(node, image, store_root, context, name), store=remote)
        try:
            mosaic = mosaic_snapshot(
                node, name, lambda a: _tensorstore_or_zarr(a, _array_folder(store_root, a), context)
            )
        except EmptyPlate as exc:
            raise EmptyPlate(exc.message, children=_named_children(node, store_root)) from exc
        if mosaic is not None:
            return replace(mosaic, store=remote)
        raise NotAnImage(
            f"{name!r} is a group, not an image; choose one of its arrays with 'array'",
            children=_named_children(node, store_root),
        )

    return open_snapshot
