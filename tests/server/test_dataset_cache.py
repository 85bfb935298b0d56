"""The server's open datasets stay bounded however many different stores are viewed."""

from __future__ import annotations

import gc
import weakref
from typing import TYPE_CHECKING

import numpy as np
import zarr

from jupyter_zarrview.engine import Engine
from jupyter_zarrview.server.datasets import DatasetCache
from jupyter_zarrview.server.paths import Roots

if TYPE_CHECKING:
    from pathlib import Path


def _stores(root: Path, count: int) -> list[str]:
    names = []
    for i in range(count):
        name = f"s{i}.zarr"
        arr = zarr.create_array(str(root / name), shape=(8, 8), chunks=(4, 4), dtype="uint8")
        arr[...] = i
        names.append(name)
    return names


def test_datasets_past_the_lru_are_let_go(tmp_path: Path) -> None:
    # A server lives for weeks while its users view store after store: what the LRU drops must
    # be freed, not kept by the engine for the process's lifetime.
    names = _stores(tmp_path, 5)
    engine = Engine(cache_bytes=2**20, max_workers=1, max_datasets=2)
    cache = DatasetCache(engine, Roots.create(tmp_path))
    try:
        first = cache.get({"path": names[0]})
        assert np.array_equal(engine.read(first, 0, (slice(0, 8), slice(0, 8))), np.zeros((8, 8)))
        gone = weakref.ref(first)
        del first
        for name in names[1:]:
            cache.get({"path": name})
        gc.collect()
        assert gone() is None
        # Asked for again, it is opened anew and reads the same.
        again = cache.get({"path": names[0]})
        assert np.array_equal(engine.read(again, 0, (slice(0, 8), slice(0, 8))), np.zeros((8, 8)))
    finally:
        engine.close()


def test_datasets_within_the_lru_stay_open(tmp_path: Path) -> None:
    names = _stores(tmp_path, 2)
    engine = Engine(cache_bytes=2**20, max_workers=1, max_datasets=2)
    cache = DatasetCache(engine, Roots.create(tmp_path))
    try:
        first = cache.get({"path": names[0]})
        cache.get({"path": names[1]})
        assert cache.get({"path": names[0]}) is first
        assert cache.peek({"path": names[0]}) is first
    finally:
        engine.close()
