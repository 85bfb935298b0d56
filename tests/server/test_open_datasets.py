"""The engine keeps open datasets within a count and a byte bound, least recently used out.

A server lives for weeks while its users view store after store: what it keeps open must stay
bounded, what it lets go must be freed (with its cached reads), and a dataset let go must open
again on the next request, reading the same data under a version never given out before.
"""

from __future__ import annotations

import gc
import json
import weakref
import zipfile
from typing import TYPE_CHECKING

import numpy as np
import pytest
import zarr
from server_helpers import tile_array
from zarr.storage import ZipStore

from jupyter_zarrview.engine import Engine
from jupyter_zarrview.engine.open_datasets import (
    LEVEL_BYTES,
    METADATA_FACTOR,
    ZIP_ENTRY_BYTES,
    OpenDatasets,
    _zip_directory_bytes,
    footprint,
)
from jupyter_zarrview.server.context import SETTINGS_KEY
from jupyter_zarrview.server.datasets import DatasetCache
from jupyter_zarrview.server.paths import Roots

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from server_data import Layout

WHOLE = (slice(0, 8), slice(0, 8))


def _stores(root: Path, count: int, prefix: str = "s") -> list[str]:
    paths = []
    for i in range(count):
        path = root / f"{prefix}{i}.zarr"
        if not path.exists():
            zarr.create_array(str(path), shape=(8, 8), chunks=(4, 4), dtype="uint16")[...] = i
        paths.append(str(path))
    return paths


@pytest.fixture
def small_engine() -> Iterator[Engine]:
    engine = Engine(cache_bytes=2**20, max_workers=1, max_datasets=3)
    yield engine
    engine.close()


def test_past_the_count_the_least_recently_used_is_let_go(tmp_path, small_engine):
    paths = _stores(tmp_path, 4)
    opened = [small_engine.open(p) for p in paths[:3]]
    assert small_engine.open(paths[0]) is opened[0]  # used again: now the most recent
    small_engine.open(paths[3])
    assert small_engine.open_datasets == 3
    assert small_engine.find(paths[1]) is None
    assert small_engine.find(paths[0]) is opened[0]
    assert small_engine.find(paths[2]) is opened[2]


def test_a_dataset_let_go_is_freed_with_its_cached_reads(tmp_path, small_engine):
    paths = _stores(tmp_path, 4)
    first = small_engine.open(paths[0])
    assert np.array_equal(small_engine.read(first, 0, WHOLE), np.zeros((8, 8)))
    assert small_engine.cache.nbytes > 0
    gone = weakref.ref(first)
    del first
    for path in paths[1:]:
        small_engine.open(path)
    gc.collect()
    assert gone() is None
    assert small_engine.cache.nbytes == 0


def test_a_dataset_let_go_opens_again_with_versions_never_given_before(tmp_path, small_engine):
    paths = _stores(tmp_path, 4)
    first = small_engine.open(paths[0])
    versions = {first.version}
    for _ in range(3):
        small_engine.refresh(first)
        versions.add(first.version)
    assert len(versions) == 4
    for path in paths[1:]:
        small_engine.open(path)
    again = small_engine.open(paths[0])
    assert again is not first
    # Same data, same metadata (the part before the dot), but a version of its own: a browser
    # holding a tile of the earlier opening must not hear that it is still current.
    assert np.array_equal(small_engine.read(again, 0, WHOLE), np.zeros((8, 8)))
    assert again.version not in versions
    assert again.version.split(".")[0] == first.version.split(".")[0]


def test_past_the_bytes_the_least_recently_used_are_let_go(tmp_path):
    paths = _stores(tmp_path, 6)
    probe = Engine(cache_bytes=0, max_workers=1)
    probe.open(paths[0])
    each = probe.open_dataset_bytes
    probe.close()
    engine = Engine(cache_bytes=0, max_workers=1, max_datasets=100, max_dataset_bytes=3 * each)
    try:
        for path in paths:
            engine.open(path)
            assert engine.open_dataset_bytes <= 3 * each
        assert engine.open_datasets == 3
        assert [engine.find(p) is not None for p in paths] == [False] * 3 + [True] * 3
    finally:
        engine.close()


def test_the_dataset_used_last_stays_however_big(tmp_path):
    paths = _stores(tmp_path, 2)
    engine = Engine(cache_bytes=0, max_workers=1, max_dataset_bytes=1)
    try:
        first = engine.open(paths[0])
        assert engine.open(paths[0]) is first
        engine.open(paths[1])
        assert engine.find(paths[0]) is None
        assert engine.open_datasets == 1
    finally:
        engine.close()


def test_many_stores_viewed_one_after_another_keep_memory_bounded(tmp_path):
    # What the soak of a long-lived server does, in miniature: 300 stores, each viewed once.
    paths = _stores(tmp_path, 300, prefix="many")
    engine = Engine(cache_bytes=2**20, max_workers=1, max_datasets=50)
    cache = DatasetCache(engine, Roots.create(tmp_path))
    try:
        refs = []
        for i, path in enumerate(paths):
            dataset = cache.get({"path": path.rsplit("/", 1)[1]}, refresh=True)
            assert np.array_equal(engine.read(dataset, 0, WHOLE), np.full((8, 8), i))
            refs.append(weakref.ref(dataset))
        del dataset
        gc.collect()
        assert engine.open_datasets == 50
        assert sum(r() is not None for r in refs) == 50
        assert 0 < engine.cache.nbytes <= 50 * 128  # only the reads of those still open
    finally:
        engine.close()


# --- what a dataset is counted as holding ----------------------------------------------------


def test_footprint_counts_levels_and_metadata(tmp_path):
    path = tmp_path / "attrs.zarr"
    array = zarr.create_array(str(path), shape=(8, 8), chunks=(4, 4), dtype="uint8")
    engine = Engine(cache_bytes=0, max_workers=1)
    try:
        small = footprint(engine.open(str(path)), str(path), None)
        array.attrs["notes"] = ["x" * 100] * 1000  # 100 KiB of attributes, parsed when opened
        engine.forget(engine.open(str(path)))
        large = footprint(engine.open(str(path)), str(path), None)
    finally:
        engine.close()
    metadata = (path / "zarr.json").stat().st_size
    assert large == LEVEL_BYTES + METADATA_FACTOR * metadata
    assert large - small >= METADATA_FACTOR * 100_000


def test_footprint_of_a_zip_counts_its_members(tmp_path):
    path = tmp_path / "many.zip"
    with ZipStore(path, mode="w") as store:
        zarr.create_array(store, shape=(64, 64), chunks=(2, 2), dtype="uint8")[...] = 1
    members = 32 * 32 + 1  # the chunks and zarr.json
    engine = Engine(cache_bytes=0, max_workers=1)
    try:
        measured = footprint(engine.open(str(path)), str(path), None)
    finally:
        engine.close()
    assert measured >= members * ZIP_ENTRY_BYTES
    assert measured <= members * (ZIP_ENTRY_BYTES + 100) + LEVEL_BYTES + 10_000


def test_footprint_of_an_ome_image_counts_every_level(layout: Layout):
    engine = Engine(cache_bytes=0, max_workers=1)
    try:
        path = str(layout.root / "ome05.zarr")
        dataset = engine.open(path)
        measured = footprint(dataset, path, None)
    finally:
        engine.close()
    documents = sum(
        (layout.root / "ome05.zarr" / sub / "zarr.json").stat().st_size
        for sub in ("", "0", "1", "2")
    )
    assert measured == 3 * LEVEL_BYTES + METADATA_FACTOR * max(
        documents, len(json.dumps(dataset.info(), default=str))
    )


def test_the_bounds_refuse_to_keep_nothing():
    lru = OpenDatasets(max_count=0, max_bytes=-1)
    assert (lru.max_count, lru.max_bytes) == (1, 0)


# --- through the server ----------------------------------------------------------------------


@pytest.fixture
def jp_server_config(jp_server_config):
    jp_server_config.ZarrViewExtension.max_open_datasets = 2
    jp_server_config.ZarrViewExtension.max_open_dataset_bytes = 8 * 2**20
    return jp_server_config


def test_the_bounds_are_settings_of_the_extension(jp_serverapp):
    engine = jp_serverapp.web_app.settings[SETTINGS_KEY].engine
    assert (engine.max_datasets, engine.max_dataset_bytes) == (2, 8 * 2**20)


async def test_a_store_let_go_by_the_server_is_served_again(api, jp_serverapp, layout):
    engine = jp_serverapp.web_app.settings[SETTINGS_KEY].engine
    before = json.loads((await api("info", path="plain2d.zarr")).body)
    first = await api("tile", path="plain2d.zarr", sel="0:4,0:4")
    for name in ("vol3d.zarr", "sharded.zarr"):
        assert (await api("info", path=name)).code == 200
    assert engine.open_datasets == 2
    assert engine.find(str(layout.root / "plain2d.zarr")) is None
    again = await api("tile", path="plain2d.zarr", sel="0:4,0:4")
    assert np.array_equal(tile_array(again), tile_array(first))
    after = json.loads((await api("info", path="plain2d.zarr")).body)
    # Opened anew: a version of its own, so a viewer drops what it kept from the earlier one.
    assert after["version"] != before["version"]
    assert after["version"].split(".")[0] == before["version"].split(".")[0]
    assert again.headers["X-Zarrview-Version"] == after["version"]


def test_footprint_of_a_zip64_directory_counts_past_65535_members(tmp_path):
    # Past 65535 members the end record says 0xFFFF and the zip64 record holds the count.
    path = tmp_path / "huge.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(70_000):
            archive.writestr(f"c/{i}", b"")
    with zipfile.ZipFile(path) as archive:
        assert len(archive.infolist()) == 70_000
    measured = _zip_directory_bytes(str(path))
    assert 70_000 * ZIP_ENTRY_BYTES < measured < 70_000 * (ZIP_ENTRY_BYTES + 100)
