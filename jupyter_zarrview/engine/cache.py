"""Thread-safe bounded memories: results by the bytes they hold, and keys seen before."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Hashable

    import numpy as np

__all__ = ["ByteLRU", "SeenBefore"]


class ByteLRU:
    """Read results by key; the least recently used go first when ``max_bytes`` is exceeded."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, int(max_bytes))
        self._items: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> np.ndarray | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: np.ndarray) -> None:
        size = value.nbytes
        if size > self.max_bytes:
            return
        value.flags.writeable = False  # cached arrays are shared: nobody may change them
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._items[key] = value
            self._bytes += size
            while self._bytes > self.max_bytes and self._items:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.nbytes

    def drop(self, predicate: object) -> None:
        """Drops the entries whose key satisfies ``predicate`` (a callable on the key)."""
        assert callable(predicate)
        with self._lock:
            for key in [k for k in self._items if predicate(k)]:
                self._bytes -= self._items.pop(key).nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


class SeenBefore:
    """Remembers the last ``max_keys`` keys asked about: a doorkeeper for a cache's admission.

    ``check(key)`` is True when ``key`` was asked about before (and is still remembered), and
    remembers it either way.
    """

    def __init__(self, max_keys: int) -> None:
        self.max_keys = max(1, int(max_keys))
        self._keys: OrderedDict[Hashable, None] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: Hashable) -> bool:
        with self._lock:
            seen = key in self._keys
            self._keys[key] = None
            self._keys.move_to_end(key)
            while len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)
            return seen
