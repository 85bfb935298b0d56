"""``Engine``: open datasets once, read them through one byte-capped cache and one thread pool."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, cast

from .cache import ByteLRU
from .dataset import Dataset
from .errors import ZarrViewError, filesystem_failure
from .sources import describe_source, snapshot_opener

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import numpy as np

__all__ = ["Engine", "default_engine", "open_dataset"]


class Engine:
    """Shared by every dataset a process shows: the caches, the reader pool, open datasets.

    ``cache_bytes`` caps both the cache of read results and tensorstore's decoded-chunk cache,
    which is what makes the next plane of a chunk slab nearly free while scrubbing.
    """

    def __init__(self, cache_bytes: int = 512 * 2**20, max_workers: int = 8) -> None:
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
        self._datasets: dict[tuple[Any, ...], Dataset] = {}
        self._lock = threading.Lock()

    @property
    def executor(self) -> ThreadPoolExecutor:
        """Where transports run reads, off their event loop."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    self.max_workers, thread_name_prefix="zarrview-read"
                )
            return self._executor

    def open(
        self,
        source: Any,
        array: str | None = None,
        storage_options: Mapping[str, Any] | None = None,
    ) -> Dataset:
        """The dataset of ``source`` (and ``array`` in it); opened once per path per engine."""
        key = (*describe_source(source, array), repr(sorted((storage_options or {}).items())))
        memoize = key[0] == "path"
        if memoize:
            with self._lock:
                found = self._datasets.get(key)
            if found is not None:
                return found
        opener = snapshot_opener(source, array, storage_options, self.context)
        try:
            dataset = Dataset(opener, key=key, cache=self.cache)
        except ZarrViewError:
            raise
        except OSError as exc:
            # A path the operating system refuses (too long, a symlink loop, no permission):
            # the caller's to fix, said in words, never a bare OSError.
            what = (
                f"path {str(source)!r}" if isinstance(source, (str, os.PathLike)) else "the store"
            )
            raise filesystem_failure(exc, what) from exc
        if memoize:
            with self._lock:
                dataset = self._datasets.setdefault(key, dataset)
        return dataset

    def forget(self, dataset: Dataset) -> None:
        """Drops a dataset from the memo, e.g. when its store was removed."""
        with self._lock:
            self._datasets.pop(cast("tuple[Any, ...]", dataset.key), None)

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
