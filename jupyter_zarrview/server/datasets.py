"""From a request's ``path`` and ``array`` to an open :class:`Dataset`, checked and cached.

Opening reads metadata, so open datasets are kept (a small LRU keyed by the resolved source and
array). Only ``info`` re-reads the metadata (``Dataset.refresh``), and at most once per
``refresh_interval`` however many viewers poll it: a refresh gives the dataset a new version,
which drops every tile cached at the old one, here and in the browsers. Tiles and stats use the
dataset as it was last refreshed, so their version is the one the client got from ``info``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..engine import BadParameter, PathNotAllowed
from .paths import is_url, resolve_source

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from ..engine import Dataset, Engine
    from .paths import Roots

__all__ = ["DatasetCache"]

_PATH_EXPECTED = (
    "a store path relative to the server's root dir, an absolute path inside an allowed root, "
    "or an allow-listed URL"
)


@dataclass
class _Entry:
    dataset: Dataset
    checked: float
    lock: threading.Lock


class DatasetCache:
    """Opens what requests name, under the server's rules, and keeps it open for the next one."""

    def __init__(
        self,
        engine: Engine,
        roots: Roots,
        *,
        storage_options: Mapping[str, Mapping[str, Any]] | None = None,
        refresh_interval: float = 1.0,
        size: int = 64,
    ) -> None:
        self._engine = engine
        self._roots = roots
        self._storage_options = dict(storage_options or {})
        self._refresh_interval = refresh_interval
        self._size = size
        self._entries: OrderedDict[tuple[str, str | None], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def roots(self) -> Roots:
        return self._roots

    def opener(self, op: str) -> Callable[[Mapping[str, str]], Dataset]:
        """The ``dataset`` callable :func:`jupyter_zarrview.protocol.handle` takes for ``op``."""
        refresh = op == "info"
        return lambda params: self.get(params, refresh=refresh)

    def get(self, params: Mapping[str, str], *, refresh: bool = False) -> Dataset:
        """The dataset ``params`` name; with ``refresh``, its metadata re-read if it is old."""
        key = self._key(params)
        source, array = key
        entry = self._entry(key)
        if entry is None:
            dataset = self._engine.open(
                source, array=array, storage_options=self._options_for(source)
            )
            entry = _Entry(dataset, time.monotonic(), threading.Lock())
            with self._lock:
                self._entries[key] = entry
                evicted = []
                while len(self._entries) > self._size:
                    evicted.append(self._entries.popitem(last=False)[1].dataset)
            # The engine keeps every dataset it opened: without this, one per store ever viewed
            # would stay in memory for the server's lifetime, past this LRU.
            for old in evicted:
                self._engine.forget(old)
            return dataset
        if refresh and self._stale(entry):
            # One refresh at a time per dataset; the infos that waited for it use its result.
            with entry.lock:
                if self._stale(entry):
                    entry.dataset.refresh()
                    entry.checked = time.monotonic()
        return entry.dataset

    def peek(self, params: Mapping[str, str]) -> Dataset | None:
        """The dataset ``params`` name if it is open already, checked as :meth:`get` checks it.

        Never opens or refreshes anything, so it costs no metadata read.
        """
        entry = self._entry(self._key(params))
        return None if entry is None else entry.dataset

    def _key(self, params: Mapping[str, str]) -> tuple[str, str | None]:
        text = params.get("path")
        if not text:
            raise BadParameter("path is required", parameter="path", expected=_PATH_EXPECTED)
        return resolve_source(text, self._roots), self._array(params.get("array"))

    def _entry(self, key: tuple[str, str | None]) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def _stale(self, entry: _Entry) -> bool:
        return time.monotonic() - entry.checked >= self._refresh_interval

    def _array(self, text: str | None) -> str | None:
        if not text:
            return None
        if "\x00" in text:
            raise PathNotAllowed("array contains a NUL byte", parameter="array")
        parts = [p for p in text.split("/") if p not in ("", ".")]
        if ".." in parts:
            raise PathNotAllowed(
                f"array {text!r} contains '..'; it must name a node inside the store",
                parameter="array",
            )
        hidden = next((p for p in parts if p.startswith(".")), None)
        if hidden is not None and not self._roots.allow_hidden:
            raise PathNotAllowed(
                f"array {text!r} names a hidden node ({hidden!r})", parameter="array"
            )
        return "/".join(parts) or None

    def _options_for(self, source: str) -> dict[str, Any] | None:
        if not is_url(source):
            return None
        protocol = source.split("://", 1)[0].split("::")[-1].lower()
        options = dict(self._storage_options.get(protocol) or {})
        if protocol in ("http", "https"):
            # The allow-list judged this URL; a redirect must not take the read elsewhere.
            options.setdefault("allow_redirects", False)
        return options or None
