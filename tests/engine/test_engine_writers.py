"""Reads equal numpy on stores written by zarr-python (v2, v3) and tensorstore (v2, v3 sharded)."""

from __future__ import annotations

import zipfile
from typing import TYPE_CHECKING, Literal

import numpy as np
import pytest
import tensorstore as ts
import zarr

from jupyter_zarrview.engine import ChunkNotReady, Engine
from jupyter_zarrview.engine.readers import TensorstoreReader, ZarrReader

if TYPE_CHECKING:
    from pathlib import Path

SELECTIONS: list[tuple[int | slice, ...]] = [
    (0, slice(None), slice(None)),
    (-1, slice(3, 17), slice(0, 23, 4)),
    (slice(0, 3), 5, slice(None, None, 3)),
    (1, 2, 3),
]


def reference(dtype: str, shape: tuple[int, ...] = (3, 19, 23)) -> np.ndarray:
    rng = np.random.default_rng(7)
    kind = np.dtype(dtype).kind
    if kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    if kind == "f":
        data = rng.normal(0, 1000, size=shape).astype(dtype)
        data[0, 1, 2] = np.nan
        return data
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


def write_zarr(path: Path, data: np.ndarray, zarr_format: Literal[2, 3], **kw) -> None:
    arr = zarr.create_array(
        str(path),
        shape=data.shape,
        chunks=(2, 8, 8),
        dtype=data.dtype,
        zarr_format=zarr_format,
        **kw,
    )
    arr[...] = data


def write_tensorstore(path: Path, data: np.ndarray, driver: str, sharded: bool = False) -> None:
    dtype = np.dtype(data.dtype)
    if driver == "zarr":
        metadata = {"shape": list(data.shape), "chunks": [2, 8, 8], "dtype": dtype.str}
    else:
        codecs = (
            [
                {
                    "name": "sharding_indexed",
                    "configuration": {
                        "chunk_shape": [1, 4, 4],
                        "codecs": [
                            {"name": "bytes", "configuration": {"endian": "little"}},
                            {"name": "zstd", "configuration": {"level": 1}},
                        ],
                        "index_codecs": [
                            {"name": "bytes", "configuration": {"endian": "little"}},
                            {"name": "crc32c"},
                        ],
                    },
                }
            ]
            if sharded
            else [{"name": "bytes", "configuration": {"endian": "little"}}]
        )
        metadata = {
            "shape": list(data.shape),
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2, 8, 8]}},
            "data_type": dtype.name,
            "codecs": codecs,
        }
    store = ts.open(
        {"driver": driver, "kvstore": {"driver": "file", "path": str(path)}, "metadata": metadata},
        create=True,
    ).result()
    store[...] = data
    store[...].write(data).result()


DTYPES = [
    "bool",
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "float16",
    "float32",
    "float64",
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "writer", ["zarr-v2", "zarr-v3", "tensorstore-v2", "tensorstore-v3-sharded"]
)
def test_reads_equal_numpy_whoever_wrote_the_store(tmp_path, dtype, writer):
    data = reference(dtype)
    path = tmp_path / "a.zarr"
    if writer == "zarr-v2":
        write_zarr(path, data, 2)
    elif writer == "zarr-v3":
        write_zarr(path, data, 3)
    elif writer == "tensorstore-v2":
        write_tensorstore(path, data, "zarr")
    else:
        write_tensorstore(path, data, "zarr3", sharded=True)
    ds = Engine(cache_bytes=2**20).open(path)
    assert isinstance(ds._snapshot.readers[0], TensorstoreReader)
    for sel in SELECTIONS:
        got = ds.read(0, sel)
        want = data[sel]
        assert got.dtype == want.dtype.newbyteorder("<")
        assert got.shape == want.shape
        assert got.flags.c_contiguous
        assert np.array_equal(got, want, equal_nan=data.dtype.kind == "f")


@pytest.mark.parametrize(("dtype", "order"), [(">u2", "C"), (">f8", "F"), ("<i4", "F")])
def test_big_endian_and_fortran_order_arrive_little_endian_c_order(tmp_path, dtype, order):
    data = reference(np.dtype(dtype).newbyteorder("=").name).astype(dtype)
    path = tmp_path / "b.zarr"
    arr = zarr.create_array(
        str(path), shape=data.shape, chunks=(2, 5, 7), dtype=dtype, zarr_format=2, order=order
    )
    arr[...] = data
    got = Engine().open(path).read(0, (slice(None), slice(2, 19), slice(None, None, 2)))
    assert got.dtype.byteorder in ("<", "=", "|")
    assert np.array_equal(got, data[:, 2:19, ::2], equal_nan=True)


def test_missing_chunks_read_as_the_fill_value(tmp_path):
    path = tmp_path / "sparse.zarr"
    arr = zarr.create_array(
        str(path), shape=(40, 40), chunks=(10, 10), dtype="int16", fill_value=-7
    )
    arr[0:10, 0:10] = 5
    got = Engine().open(path).read(0, (slice(5, 25), slice(5, 25)))
    want = np.full((20, 20), -7, dtype="int16")
    want[:5, :5] = 5
    assert np.array_equal(got, want)


@pytest.mark.parametrize("kind", ["local", "zip"])
def test_a_half_written_chunk_is_chunk_not_ready_and_others_still_read(tmp_path, kind):
    path = tmp_path / "half.zarr"
    arr = zarr.create_array(
        str(path), shape=(20, 20), chunks=(10, 10), dtype="float32", zarr_format=2
    )
    arr[...] = np.arange(400, dtype="float32").reshape(20, 20)
    chunk = path / "1.1" if (path / "1.1").exists() else path / "1" / "1"
    chunk.write_bytes(chunk.read_bytes()[:7])  # a writer caught half-way
    source = path
    if kind == "zip":
        with zipfile.ZipFile(tmp_path / "half.zip", "w") as archive:
            for file in path.rglob("*"):
                if file.is_file():
                    archive.writestr(file.relative_to(path).as_posix(), file.read_bytes())
        source = tmp_path / "half.zip"
    ds = Engine().open(source)
    expected_reader = TensorstoreReader if kind == "local" else ZarrReader
    assert isinstance(ds._snapshot.readers[0], expected_reader)
    assert np.array_equal(ds.read(0, (slice(0, 10), slice(0, 10))), arr[0:10, 0:10])
    with pytest.raises(ChunkNotReady) as caught:
        ds.read(0, (slice(10, 20), slice(10, 20)))
    assert isinstance(caught.value, OSError)


def test_a_chunk_written_after_a_read_is_seen_after_refresh(tmp_path):
    path = tmp_path / "live.zarr"
    arr = zarr.create_array(
        str(path), shape=(2, 8, 8), chunks=(1, 8, 8), dtype="uint8", fill_value=0
    )
    arr[0] = 3
    ds = Engine().open(path)
    assert ds.read(0, (1, slice(None), slice(None))).max() == 0
    version = ds.version
    arr[1] = 9
    assert ds.refresh() is False  # the metadata did not change...
    assert ds.version != version  # ...but the data may have: caches keyed by version are dropped
    assert ds.read(0, (1, slice(None), slice(None))).min() == 9
