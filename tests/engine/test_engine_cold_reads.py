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

SHAPE = (8, 32, 32)
CHUNKS = (4, 16, 16)  # a plane touches 2 x 2 chunks; 4 planes share each chunk slab


def file_reads() -> int:
    for metric in ts.experimental_collect_matching_metrics("/tensorstore/kvstore/file/read"):
        if metric["name"] == "/tensorstore/kvstore/file/read":
            return int(metric["values"][0]["value"])
    return 0


def reads_of(read) -> tuple[int, np.ndarray]:
    before = file_reads()
    out = read()
    return file_reads() - before, out


def write(path: Path, layout: str) -> np.ndarray:
    data = np.arange(np.prod(SHAPE), dtype="uint16").reshape(SHAPE)
    if layout == "v2":
        arr = zarr.create_array(
            str(path), shape=SHAPE, chunks=CHUNKS, dtype=data.dtype, zarr_format=2
        )
    else:
        arr = zarr.create_array(
            str(path),
            shape=SHAPE,
            shards=(4, 32, 32),
            chunks=CHUNKS,
            dtype=data.dtype,
            zarr_format=3,
        )
    arr[...] = data
    return data


@pytest.mark.parametrize("layout", ["v2", "v3-sharded"])
def test_a_jump_reads_each_chunk_once_and_a_scrub_keeps_the_slab(tmp_path, layout):
    data = write(tmp_path / "a.zarr", layout)
    ds = Engine().open(tmp_path / "a.zarr")
    assert isinstance(ds._snapshot.readers[0], TensorstoreReader)

    def plane(z: int):
        return lambda: ds.read(0, f"{z},0:32,0:32")

    first, out = reads_of(plane(1))
    assert np.array_equal(out, data[1])
    # v2: the plane's four chunk files, each read once. v3: one shard; its index and the four
    # chunks come in however few reads tensorstore batches them into, but some.
    assert first == 4 if layout == "v2" else first >= 1
    # The next plane of the same slab reads the chunks again: the jump kept nothing...
    again, out = reads_of(plane(2))
    assert np.array_equal(out, data[2])
    assert again == first
    # ...and this second read kept them: the rest of the slab comes without touching the store.
    for z in (3, 0):
        count, out = reads_of(plane(z))
        assert np.array_equal(out, data[z])
        assert count == 0
    # Another slab is a jump again.
    other, out = reads_of(plane(6))
    assert np.array_equal(out, data[6])
    assert other == first


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
