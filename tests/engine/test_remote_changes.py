"""A live view of a remote store: its keys' validators are asked for, nothing is read again.

Emulated S3 (moto) and GCS (gcp-storage-emulator) on loopback; a writer rewrites objects one by
one, as a job that writes to a bucket does, and the same look the server's watcher runs
(``ChangePoll``) tells what changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
import zarr
from remote_stores import Bucket, gcs_emulator, loopback_only, moto_s3

from jupyter_zarrview.engine import Engine
from jupyter_zarrview.engine.changes import ChangePoll
from jupyter_zarrview.engine.chunk_files import DatasetFiles, dataset_files
from jupyter_zarrview.engine.key_stats import RemoteKeys

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from jupyter_zarrview.engine.dataset import Dataset


@pytest.fixture(scope="module", autouse=True)
def _loopback() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture(scope="module", params=["s3", "gs"])
def bucket(request: pytest.FixtureRequest) -> Iterator[Bucket]:
    emulator = moto_s3 if request.param == "s3" else gcs_emulator
    with emulator() as bucket:
        yield bucket


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = Engine(cache_bytes=2**20, max_workers=2)
    yield engine
    engine.close()


class Writer:
    """A local zarr v2 array and its copy in the bucket, kept key by key."""

    def __init__(self, bucket: Bucket, local: Path, key: str) -> None:
        self.bucket, self.local, self.key = bucket, local, key
        self.array = zarr.create_array(
            str(local), shape=(4, 8), chunks=(2, 4), dtype="uint8", zarr_format=2
        )
        self.array[...] = 1
        bucket.upload(local, key)

    def put(self, *names: str) -> None:
        """Only these keys go up again: an upload of an unchanged key is a new GCS generation."""
        for name in names:
            self.bucket.put(f"{self.key}/{name}", (self.local / name).read_bytes())

    @property
    def url(self) -> str:
        return self.bucket.url(self.key)


@pytest.fixture
def writer(bucket: Bucket, tmp_path: Path, request: pytest.FixtureRequest) -> Writer:
    key = f"live-{request.node.originalname}-{bucket.protocol}.zarr"
    return Writer(bucket, tmp_path / "live.zarr", key)


def _poll(engine: Engine, writer: Writer) -> tuple[ChangePoll, Dataset]:
    ds = engine.open(writer.url, storage_options=writer.bucket.options)
    poll = ChangePoll(ds, engine, lambda d: d.info())
    return poll, ds


def _remote_files(ds: Dataset) -> tuple[DatasetFiles, RemoteKeys]:
    files = dataset_files(ds)
    assert files is not None
    assert isinstance(files.keys, RemoteKeys)
    return files, files.keys


def test_an_unchanged_store_costs_requests_only_and_keeps_its_version(engine, writer):
    poll, ds = _poll(engine, writer)
    files, _ = _remote_files(ds)
    assert files.remote
    assert poll.remote
    assert files.tile_signature(0, ds.selection(0, (slice(0, 2), slice(0, 8)))) is None
    poll.look()
    version = ds.version
    for _ in range(3):
        look = poll.look()
        assert look.events == []
        # 3 root keys, the array's 3 metadata keys, the 2 chunks the tile was read from
        assert look.stats == 3 + 3 + 2
    # Not read again: the version (and with it the tiles' tags and cached reads) stays.
    assert ds.version == version


def test_a_chunk_rewritten_in_the_bucket_is_a_box_over_it_alone(engine, writer):
    poll, ds = _poll(engine, writer)
    files, _ = _remote_files(ds)
    files.tile_signature(0, ds.selection(0, (slice(0, 4), slice(0, 8))))
    poll.look()
    writer.array[0:2, 4:8] = 9
    writer.put("0.1")
    (event,) = poll.look().events
    assert event[0] == "change"
    assert event[1]["metadata"] is False
    assert event[1]["levels"] == [{"level": 0, "boxes": [[[0, 4], [2, 8]]]}]
    assert np.array_equal(ds.read(0, (slice(0, 4), slice(0, 8))), writer.array[...])
    assert poll.look().events == []


def test_metadata_rewritten_in_the_bucket_is_a_change_with_the_new_shape(engine, writer):
    poll, ds = _poll(engine, writer)
    poll.look()
    writer.array.resize((6, 8))
    writer.array[4:6] = 3
    writer.put("2.0", "2.1", ".zarray")
    (event,) = poll.look().events
    assert event[1]["metadata"] is True
    assert event[1]["info"]["levels"][0]["shape"] == [6, 8]
    assert np.array_equal(ds.read(0, (slice(None), 0)), [1, 1, 1, 1, 3, 3])


def test_a_store_removed_from_the_bucket_is_gone(engine, writer, bucket):
    poll, ds = _poll(engine, writer)
    poll.look()
    _remote_files(ds)[1].fs.rm(writer.url, recursive=True)
    (event,) = poll.look().events
    assert event[0] == "gone"
