"""What a cold read costs in chunk reads: each chunk once, and kept only when read again.

tensorstore counts the files its "file" kvstore reads, process-wide; the deltas around one
engine read say how many chunks that read fetched and decoded (docs/engine.md, "Cold reads").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
import tensorstore as ts
import zarr

from jupyter_zarrview.engine import Engine
from jupyter_zarrview.engine.cache import SeenBefore
from jupyter_zarrview.engine.readers import TensorstoreReader
from jupyter_zarrview.engine.selection import chunk_box

if TYPE_CHECKING:
    from pathlib import Path

SHAPE = (16, 32, 32)
CHUNKS = (8, 16, 16)  # a plane touches 2 x 2 chunks; 8 planes share each chunk slab


def file_reads() -> int:
    for metric in ts.experimental_collect_matching_metrics("/tensorstore/kvstore/file/read"):
        if metric["name"] == "/tensorstore/kvstore/file/read":
            return int(metric["values"][0]["value"])
    return 0


def reads_of(read) -> tuple[int, np.ndarray]:
    before = file_reads()
    out = read()
    return file_reads() - before, out


def write(path: Path, layout: str, chunks: tuple[int, ...] = CHUNKS) -> np.ndarray:
    data = np.arange(np.prod(SHAPE), dtype="uint16").reshape(SHAPE)
    if layout == "v2":
        arr = zarr.create_array(
            str(path), shape=SHAPE, chunks=chunks, dtype=data.dtype, zarr_format=2
        )
    else:
        arr = zarr.create_array(
            str(path),
            shape=SHAPE,
            shards=(8, 32, 32),
            chunks=chunks,
            dtype=data.dtype,
            zarr_format=3,
        )
    arr[...] = data
    return data


def plane(z: int) -> str:
    return f"{z},0:32,0:32"


@pytest.mark.parametrize("layout", ["v2", "v3-sharded"])
def test_a_jump_decodes_its_chunks_once_and_a_scrub_keeps_them(tmp_path, layout):
    data = write(tmp_path / "a.zarr", layout)
    ds = Engine().open(tmp_path / "a.zarr")
    assert isinstance(ds._snapshot.readers[0], TensorstoreReader)

    first, out = reads_of(lambda: ds.read(0, plane(2)))
    assert np.array_equal(out, data[2])
    # v2: the plane's four chunk files, each read once. v3: one shard; its index and the four
    # chunks come in however few reads tensorstore batches them into, but some.
    assert first == 4 if layout == "v2" else first >= 1
    # The planes on either side came out of the same chunks, and wait as answers...
    for z in (1, 3):
        cached = ds.cached(0, plane(z))
        assert cached is not None
        assert np.array_equal(cached, data[z])
        assert reads_of(lambda z=z: ds.read(0, plane(z)))[0] == 0
    assert ds.cached(0, plane(4)) is None
    # ...but the chunks were not kept: the next plane of the slab reads them again...
    again, out = reads_of(lambda: ds.read(0, plane(5)))
    assert np.array_equal(out, data[5])
    assert again == first
    # ...and keeps them: the rest of the slab comes without touching the store.
    for z in (6, 7, 0):
        count, out = reads_of(lambda z=z: ds.read(0, plane(z)))
        assert np.array_equal(out, data[z])
        assert count == 0
    # Another slab is a jump again.
    other, out = reads_of(lambda: ds.read(0, plane(12)))
    assert np.array_equal(out, data[12])
    assert other == first


def test_only_planes_of_the_same_chunks_come_along(tmp_path):
    data = write(tmp_path / "edge.zarr", "v2")
    ds = Engine().open(tmp_path / "edge.zarr")
    assert reads_of(lambda: ds.read(0, plane(7)))[0] == 4  # the last plane of the first slab
    cached = ds.cached(0, plane(6))
    assert cached is not None
    assert np.array_equal(cached, data[6])
    assert ds.cached(0, plane(8)) is None  # the next slab's chunks were not read for it
    # A tile, and an axis in front of the displayed ones: the neighbours are tiles too.
    assert np.array_equal(ds.read(0, "10,16:32,0:16"), data[10, 16:32, 0:16])
    cached = ds.cached(0, "11,16:32,0:16")
    assert cached is not None
    assert np.array_equal(cached, data[11, 16:32, 0:16])
    assert cached.flags.c_contiguous


def test_neighbours_behind_a_sliced_axis_are_planes_of_their_own(tmp_path):
    data = np.arange(3 * 16 * 8 * 8, dtype="float32").reshape(3, 16, 8, 8)
    arr = zarr.create_array(
        str(tmp_path / "c.zarr"), shape=data.shape, chunks=(3, 8, 8, 8), dtype=data.dtype
    )
    arr[...] = data
    ds = Engine().open(tmp_path / "c.zarr")
    assert np.array_equal(ds.read(0, "0:3,5,0:8,0:8"), data[:, 5])
    for z in (4, 6):
        cached = ds.cached(0, f"0:3,{z},0:8,0:8")
        assert cached is not None
        assert cached.flags.c_contiguous
        assert np.array_equal(cached, data[:, z])


def test_one_plane_deep_chunks_bring_no_neighbours(tmp_path):
    write(tmp_path / "thin.zarr", "v2", chunks=(1, 16, 16))
    ds = Engine().open(tmp_path / "thin.zarr")
    assert reads_of(lambda: ds.read(0, plane(4)))[0] == 4
    assert ds.cached(0, plane(3)) is None
    assert ds.cached(0, plane(5)) is None


def test_a_tile_read_twice_is_kept_and_its_neighbour_is_not(tmp_path):
    data = write(tmp_path / "b.zarr", "v2")
    ds = Engine().open(tmp_path / "b.zarr")
    reader = ds._snapshot.readers[0]  # below the engine's cache of results, which would answer

    def tile(text: str):
        return lambda: reader.read(ds.selection(0, text))

    assert reads_of(tile("5,0:16,0:16"))[0] == 1
    assert reads_of(tile("5,0:16,0:16"))[0] == 1
    count, out = reads_of(tile("5,0:16,0:16"))
    assert count == 0
    assert np.array_equal(out, data[5, 0:16, 0:16])
    # The tile beside it has a chunk of its own: its first read is a jump.
    count, out = reads_of(tile("5,16:32,0:16"))
    assert count == 1
    assert np.array_equal(out, data[5, 16:32, 0:16])


def test_chunk_box_names_the_chunks_a_selection_touches():
    chunks = (4, 16, 16)
    assert chunk_box((5, slice(0, 32, 1), slice(16, 17, 1)), chunks) == ((1, 1), (0, 1), (1, 1))
    # A strided slice ends at its last element, not at its stop.
    assert chunk_box((0, slice(0, 17, 10), slice(0, 1, 1)), chunks) == ((0, 0), (0, 0), (0, 0))
    assert chunk_box((0, slice(0, 17, 8), slice(0, 1, 1)), chunks) == ((0, 0), (0, 1), (0, 0))
    # An empty slice touches no chunk; it is keyed by where it starts.
    assert chunk_box((0, slice(20, 20, 1), slice(0, 1, 1)), chunks) == ((0, 0), (1, 1), (0, 0))


def test_seen_before_remembers_a_bounded_number_of_keys():
    seen = SeenBefore(2)
    assert [seen.check(k) for k in ("a", "a", "b", "c")] == [False, True, False, False]
    # "a" was the least recently asked about when "c" came: it is forgotten, "b" and "c" are not.
    assert seen.check("b") is True
    assert seen.check("c") is True
    assert seen.check("a") is False
