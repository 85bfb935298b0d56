"""``Engine``: open datasets once, read them through one byte-capped cache and one thread pool."""

from __future__ import annotations

import itertools
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from .cache import ByteLRU
from .dataset import Dataset
from .errors import BadParameter, ZarrViewError, filesystem_failure
from .open_datasets import OpenDatasets, footprint
from .priority import nicer_than_maker
from .sources import describe_source, snapshot_opener

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Mapping, Sequence

    import numpy as np

    from .dataset import Snapshot

__all__ = ["Engine", "default_engine", "open_dataset"]


class _Opening(Dataset):
    """A dataset whose version also says which opening of it this is.

    A dataset that went out of the engine's memory and is opened again starts counting its
    refreshes anew; without this its versions would repeat those of its earlier opening, and a
    browser holding a tile from then would be told (304) that it is still current.
    """

    def __init__(
        self, opener: Callable[[], Snapshot], key: Hashable, cache: ByteLRU, opening: str
    ) -> None:
        self._opening = opening
        super().__init__(opener, key=key, cache=cache)

    @property
    def version(self) -> str:
        return f"{super().version}-{self._opening}"


class Engine:
    """Shared by every dataset a process shows: the caches, the reader pool, open datasets.

    ``cache_bytes`` caps both the cache of read results and tensorstore's decoded-chunk cache,
    which is what makes the next plane of a chunk slab nearly free while scrubbing.
    ``max_datasets`` and ``max_dataset_bytes`` bound the datasets kept open between requests
    (see :mod:`.open_datasets` for what their bytes are); past either, the least recently used
    is let go, with its cached reads, and opened again when next asked for.
    """

    def __init__(
        self,
        cache_bytes: int = 512 * 2**20,
        max_workers: int = 8,
        *,
        max_datasets: int = 128,
        max_dataset_bytes: int = 256 * 2**20,
    ) -> None:
        import tensorstore as ts

        self.cache_bytes = int(cache_bytes)
        self.max_workers = int(max_workers)
        self.cache = ByteLRU(self.cache_bytes // 2)
        self.context = ts.Context(
            {
                "cache_pool": {"total_bytes_limit": self.cache_bytes // 2},
                "data_copy_concurrency": {"limit": max(2, os.cpu_count() or 2)},
            }
        )
        self._executor: ThreadPoolExecutor | None = None
        self._datasets = OpenDatasets(max_datasets, max_dataset_bytes)
        # Openings are told apart across the process's life and across restarts: the time this
        # engine started, then a count.
        self._epoch = f"{time.time_ns() // 1_000_000:x}"
        self._openings = itertools.count()
        self._lock = threading.Lock()

    @property
    def executor(self) -> ThreadPoolExecutor:
        """Where transports run reads, off their event loop."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    self.max_workers,
                    thread_name_prefix="zarrview-read",
                    initializer=nicer_than_maker,
                )
            return self._executor

    @property
    def max_datasets(self) -> int:
        return self._datasets.max_count

    @property
    def max_dataset_bytes(self) -> int:
        return self._datasets.max_bytes

    @property
    def open_datasets(self) -> int:
        """How many datasets are kept open for the next request."""
        return len(self._datasets)

    @property
    def open_dataset_bytes(self) -> int:
        """What the datasets kept open hold, as :func:`.open_datasets.footprint` estimates."""
        return self._datasets.nbytes

    def open(
        self,
        source: Any,
        array: str | None = None,
        storage_options: Mapping[str, Any] | None = None,
        axes: Sequence[str] | None = None,
    ) -> Dataset:
        """The dataset of ``source`` (and ``array`` in it); kept open per path, up to the bounds.

        ``axes`` names the dimensions of an array in memory.
        """
        key = self._key(source, array, storage_options)
        memoize = key[0] == "path" and axes is None
        if memoize:
            found = self._datasets.get(key)
            if found is not None:
                return found
        opener = snapshot_opener(source, array, storage_options, self.context, axes)
        try:
            dataset: Dataset = _Opening(opener, key, self.cache, self._next_opening())
        except ZarrViewError:
            raise
        except OSError as exc:
            # A path the operating system refuses (too long, a symlink loop, no permission):
            # the caller's to fix, said in words, never a bare OSError.
            raise filesystem_failure(exc, _what(source)) from exc
        if memoize:
            dataset, gone = self._datasets.add(key, dataset, _measure(dataset, key, array))
            self._let_go(gone)
        return dataset

    def find(
        self,
        source: Any,
        array: str | None = None,
        storage_options: Mapping[str, Any] | None = None,
    ) -> Dataset | None:
        """The dataset :meth:`open` would answer if it is open already; never opens one."""
        key = self._key(source, array, storage_options)
        return self._datasets.get(key) if key[0] == "path" else None

    def refresh(self, dataset: Dataset) -> bool:
        """``dataset.refresh()``, and its bytes measured anew: its metadata may have grown."""
        changed = dataset.refresh()
        key = dataset.key
        if isinstance(key, tuple) and key[:1] == ("path",):
            self._let_go(
                self._datasets.resize(key, dataset, _measure(dataset, key, key[2] or None))
            )
        return changed

    def forget(self, dataset: Dataset) -> None:
        """Drops a dataset from those kept open, e.g. when its store was removed."""
        self._datasets.discard(dataset.key, dataset)
        self._drop_reads(dataset)

    def read(
        self, dataset: Dataset, level: int, selection: str | Sequence[int | slice]
    ) -> np.ndarray:
        return dataset.read(level, selection)

    def stats(
        self,
        dataset: Dataset,
        level: int | None = None,
        selection: str | Sequence[int | slice] | None = None,
        bins: int = 256,
    ) -> dict[str, Any]:
        return dataset.stats(level, selection, bins)

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        self._datasets.clear()
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        self.cache.clear()

    def _key(
        self, source: Any, array: str | None, storage_options: Mapping[str, Any] | None
    ) -> tuple[Any, ...]:
        if isinstance(source, str) and "\x00" in source:
            raise BadParameter("path contains a NUL byte", parameter="path")
        try:
            described = describe_source(source, array)
        except OSError as exc:
            raise filesystem_failure(exc, _what(source)) from exc
        return (*described, repr(sorted((storage_options or {}).items())))

    def _next_opening(self) -> str:
        with self._lock:
            return f"{self._epoch}x{next(self._openings):x}"

    def _let_go(self, datasets: list[Dataset]) -> None:
        for dataset in datasets:
            self._drop_reads(dataset)

    def _drop_reads(self, dataset: Dataset) -> None:
        # Its cached reads could only be found again through this very object: free them now
        # rather than leave them to age out of the cache.
        key = dataset.key
        self.cache.drop(lambda k: isinstance(k, tuple) and k[:1] == (key,))


def _measure(dataset: Dataset, key: tuple[Any, ...], array: str | None) -> int:
    """:func:`.open_datasets.footprint` of a dataset kept under ``key``."""
    source = key[1]
    local = isinstance(source, str) and "://" not in source
    return footprint(dataset, source if local else None, array)


def _what(source: Any) -> str:
    return f"path {os.fspath(source)!r}" if isinstance(source, (str, os.PathLike)) else "the store"


_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The process-wide engine behind :func:`open_dataset` and the notebook widget."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Engine()
        return _default


def open_dataset(
    source: Any,
    *,
    array: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> Dataset:
    """Open a Zarr path or URL, a zarr Array or Group, or a numpy, dask or xarray array.

    ``array`` picks an image or array inside a group (``"labels/cells"``, ``"A/1/0"``).
    ``storage_options`` go to fsspec for remote URLs. Raises :class:`NotFound`,
    :class:`NotZarr`, :class:`NotAnImage` (listing the group's images and arrays) or
    :class:`UnsupportedDtype`, each saying what was expected.
    """
    return default_engine().open(source, array=array, storage_options=storage_options)
