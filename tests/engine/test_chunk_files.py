"""The chunk files a selection reads, as each writer lays them out, and their stat signature."""

from __future__ import annotations

import os
import zipfile
from typing import TYPE_CHECKING

import numpy as np
import pytest
import tensorstore as ts
import zarr

from jupyter_zarrview.engine import Engine, normalize_selection
from jupyter_zarrview.engine.chunk_files import (
    MAX_FILES,
    chunk_keys,
    dataset_files,
    read_grid,
)
from jupyter_zarrview.engine.key_stats import LocalKeys, stat_keys

if TYPE_CHECKING:
    from pathlib import Path

SHAPE = (4, 12, 10)


def _data() -> np.ndarray:
    # No element equals the fill value, so every chunk is written by every writer.
    return np.arange(1, 1 + np.prod(SHAPE), dtype="uint16").reshape(SHAPE)


def _zarr(path: Path, **kw) -> None:
    arr = zarr.create_array(str(path), shape=SHAPE, dtype="uint16", fill_value=0, **kw)
    arr[...] = _data()


def _tensorstore_sharded(path: Path) -> None:
    store = ts.open(
        {
            "driver": "zarr3",
            "kvstore": {"driver": "file", "path": str(path)},
            "metadata": {
                "shape": list(SHAPE),
                "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2, 8, 8]}},
                "data_type": "uint16",
                "codecs": [
                    {
                        "name": "sharding_indexed",
                        "configuration": {
                            "chunk_shape": [1, 4, 4],
                            "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
                            "index_codecs": [
                                {"name": "bytes", "configuration": {"endian": "little"}},
                                {"name": "crc32c"},
                            ],
                        },
                    }
                ],
            },
        },
        create=True,
    ).result()
    store[...].write(_data()).result()


# Each writer, and the shape of the files it writes (the shard's for sharded arrays).
WRITERS = {
    "zarr-v2-dot": (lambda p: _zarr(p, chunks=(1, 5, 4), zarr_format=2), (1, 5, 4)),
    "zarr-v2-slash": (
        lambda p: _zarr(
            p, chunks=(1, 5, 4), zarr_format=2, chunk_key_encoding={"name": "v2", "separator": "/"}
        ),
        (1, 5, 4),
    ),
    "zarr-v3-default": (lambda p: _zarr(p, chunks=(2, 5, 4)), (2, 5, 4)),
    "zarr-v3-v2-keys": (
        lambda p: _zarr(p, chunks=(2, 5, 4), chunk_key_encoding={"name": "v2", "separator": "."}),
        (2, 5, 4),
    ),
    "zarr-v3-sharded": (lambda p: _zarr(p, chunks=(1, 2, 2), shards=(2, 6, 4)), (2, 6, 4)),
    "tensorstore-v3-sharded": (_tensorstore_sharded, (2, 8, 8)),
}


def _files_on_disk(path: Path) -> set[str]:
    names = {"zarr.json", ".zarray", ".zattrs", ".zgroup"}
    return {
        f.relative_to(path).as_posix()
        for f in path.rglob("*")
        if f.is_file() and f.name not in names
    }


@pytest.fixture(params=sorted(WRITERS))
def written(request, tmp_path) -> tuple[Path, tuple[int, ...]]:
    write, file_shape = WRITERS[request.param]
    path = tmp_path / f"{request.param}.zarr"
    write(path)
    return path, file_shape


def test_a_whole_array_reads_exactly_the_files_its_writer_wrote(written):
    path, file_shape = written
    grid = read_grid(LocalKeys(path).read, "")
    assert grid is not None
    assert grid.file_shape == file_shape
    whole = normalize_selection((slice(None),) * 3, SHAPE)
    files = chunk_keys(grid, whole)
    assert files is not None
    assert {key for _, key in files} == _files_on_disk(path)


def test_a_plane_reads_the_files_under_it_only(written):
    path, file_shape = written
    grid = read_grid(LocalKeys(path).read, "")
    assert grid is not None
    sel = normalize_selection((3, slice(6, 12), slice(0, 3)), SHAPE)
    files = chunk_keys(grid, sel)
    assert files is not None
    t, ny = 3 // file_shape[0], -(-SHAPE[1] // file_shape[1])
    y_files = range(6 // file_shape[1], min(ny, -(-12 // file_shape[1])))
    assert [index for index, _ in files] == [(t, y, 0) for y in y_files]
    on_disk = _files_on_disk(path)
    assert all(key in on_disk for _, key in files)
    # Each file's box covers the selection's part of it.
    for index, _ in files:
        box = grid.box(index, SHAPE)
        assert box is not None
        start, stop = box
        assert start[0] <= 3 < stop[0]


def test_steps_skip_the_files_they_jump_over(tmp_path):
    path = tmp_path / "a.zarr"
    _zarr(path, chunks=(1, 2, 2), zarr_format=2)
    grid = read_grid(LocalKeys(path).read, "")
    assert grid is not None
    sel = normalize_selection((0, slice(0, 12, 5), slice(1, 2)), SHAPE)
    files = chunk_keys(grid, sel)
    assert files is not None
    # Rows 0, 5 and 10 live in row-chunks 0, 2 and 5; the others are not read.
    assert [key for _, key in files] == ["0.0.0", "0.2.0", "0.5.0"]


def test_a_selection_over_more_files_than_the_cap_has_no_keys(tmp_path):
    path = tmp_path / "big.zarr"
    zarr.create_array(str(path), shape=(64, 64, 64), chunks=(1, 1, 8), dtype="uint8")
    grid = read_grid(LocalKeys(path).read, "")
    assert grid is not None
    assert MAX_FILES < 64 * 64
    assert chunk_keys(grid, normalize_selection((slice(None), slice(None), 0), (64,) * 3)) is None
    assert (
        chunk_keys(grid, normalize_selection((slice(None), 0, slice(None)), (64,) * 3)) is not None
    )
    strided = normalize_selection((slice(None), slice(None, None, 2), 0), (64,) * 3)
    assert chunk_keys(grid, strided) is None


def test_the_signature_is_each_files_mtime_and_size_or_none(tmp_path):
    path = tmp_path / "s.zarr"
    arr = zarr.create_array(str(path), shape=(2, 4, 4), chunks=(1, 4, 4), dtype="uint8")
    arr[0] = 1
    signature = stat_keys(path, ["c/0/0/0", "c/1/0/0"])
    st = os.stat(path / "c/0/0/0")
    assert signature == (("c/0/0/0", st.st_mtime_ns, st.st_size), ("c/1/0/0", None))


def test_only_folder_stores_have_files(tmp_path):
    path = tmp_path / "f.zarr"
    _zarr(path, chunks=(2, 5, 4), zarr_format=2)
    engine = Engine(cache_bytes=2**20)
    assert dataset_files(engine.open(path)) is not None
    with zipfile.ZipFile(tmp_path / "f.zip", "w") as archive:
        for file in path.rglob("*"):
            archive.writestr(file.relative_to(path).as_posix(), file.read_bytes())
    assert dataset_files(engine.open(tmp_path / "f.zip")) is None
    assert dataset_files(engine.open(np.zeros((3, 3)))) is None


def test_ome_levels_have_the_files_of_their_own_folders(tmp_path):
    path = tmp_path / "img.ome.zarr"
    root = zarr.open_group(str(path), mode="w", zarr_format=2)
    for i, size in enumerate((16, 8)):
        level = root.create_array(str(i), shape=(size, size), chunks=(4, 4), dtype="uint8")
        level[...] = 1
    root.attrs["multiscales"] = [
        {
            "version": "0.4",
            "axes": [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
            "datasets": [
                {"path": str(i), "coordinateTransformations": [{"type": "scale", "scale": [s, s]}]}
                for i, s in enumerate((1.0, 2.0))
            ],
        }
    ]
    ds = Engine(cache_bytes=2**20).open(path)
    files = dataset_files(ds)
    assert files is not None
    signature = files.tile_signature(1, normalize_selection((slice(0, 8), slice(4, 8)), (8, 8)))
    assert signature is not None
    assert [s[0] for s in signature] == ["1/0.1", "1/1.1"]
    assert all(s[1] is not None for s in signature)
    assert {"0/.zarray", "1/.zarray", ".zattrs"} <= set(files.metadata_keys())


def test_a_chunk_rewritten_after_reads_is_read_anew_once_its_signature_changed(tmp_path):
    # tensorstore keeps decoded chunks that were read twice, unchecked until its next open: a
    # changed signature must reopen it before the tile is read again.
    path = tmp_path / "r.zarr"
    arr = zarr.create_array(str(path), shape=(2, 8, 8), chunks=(1, 8, 8), dtype="uint8")
    arr[...] = 1
    ds = Engine(cache_bytes=2**20).open(path)
    files = dataset_files(ds)
    assert files is not None
    sel = normalize_selection((0, slice(None), slice(None)), (2, 8, 8))
    for _ in range(3):
        before = files.tile_signature(0, sel)
        assert ds.read(0, sel).max() == 1
    arr[0] = 7
    after = files.tile_signature(0, sel)
    assert after != before
    assert np.all(ds.read(0, sel) == 7)
    # The other plane's signature did not change, and reading it costs no refresh.
    other = normalize_selection((1, slice(None), slice(None)), (2, 8, 8))
    first = files.tile_signature(0 + 0, other)
    version = ds.version
    assert files.tile_signature(0, other) == first
    assert ds.version == version
