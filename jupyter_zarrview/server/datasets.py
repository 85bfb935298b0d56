"""From a request's ``path`` and ``array`` to an open :class:`Dataset`, checked and cached.

Opening reads metadata, so the engine keeps open datasets, within its bounds
(``max_open_datasets``, ``max_open_dataset_bytes``); nothing here holds one past them, so a
dataset the engine lets go is freed and opened anew when next asked for. Only ``info`` re-reads
the metadata (``Dataset.refresh``), and at most once per ``refresh_interval`` however many
viewers poll it: a refresh gives the dataset a new version, which drops every tile cached at
the old one, here and in the browsers. Tiles and stats use the dataset as it was last
refreshed, so their version is the one the client got from ``info``.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..engine import BadParameter, PathNotAllowed
from .paths import NAME_MAX, is_url, resolve_source, shown

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
class _Freshness:
    """When a dataset's metadata was last read, and the lock its refreshes take in turn."""

    checked: float
    lock: threading.Lock = field(default_factory=threading.Lock)


class DatasetCache:
    """Opens what requests name, under the server's rules, through the engine's open datasets."""

    def __init__(
        self,
        engine: Engine,
        roots: Roots,
        *,
        storage_options: Mapping[str, Mapping[str, Any]] | None = None,
        refresh_interval: float = 1.0,
    ) -> None:
        self._engine = engine
        self._roots = roots
        self._storage_options = dict(storage_options or {})
        self._refresh_interval = refresh_interval
        # Weak: the engine decides how long a dataset stays; its freshness goes with it.
        self._freshness: weakref.WeakKeyDictionary[Dataset, _Freshness] = (
            weakref.WeakKeyDictionary()
        )
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
        source, array = self._key(params)
        dataset = self._engine.open(source, array=array, storage_options=self._options_for(source))
        with self._lock:
            # First seen: just opened, so its metadata is as fresh as can be.
            freshness = self._freshness.setdefault(dataset, _Freshness(time.monotonic()))
        if refresh and self._stale(freshness):
            # One refresh at a time per dataset; the infos that waited for it use its result.
            with freshness.lock:
                if self._stale(freshness):
                    self._engine.refresh(dataset)
                    freshness.checked = time.monotonic()
        return dataset

    def peek(self, params: Mapping[str, str]) -> Dataset | None:
        """The dataset ``params`` name if it is open already, checked as :meth:`get` checks it.

        Never opens or refreshes anything, so it costs no metadata read.
        """
        source, array = self._key(params)
        return self._engine.find(source, array=array, storage_options=self._options_for(source))

    def _key(self, params: Mapping[str, str]) -> tuple[str, str | None]:
        text = params.get("path")
        if not text:
            raise BadParameter("path is required", parameter="path", expected=_PATH_EXPECTED)
        return resolve_source(text, self._roots), self._array(params.get("array"))

    def _stale(self, freshness: _Freshness) -> bool:
        return time.monotonic() - freshness.checked >= self._refresh_interval

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
        sizes = [len(p.encode("utf-8", "surrogatepass")) for p in parts]
        if sizes and max(sizes) > NAME_MAX:
            raise BadParameter(
                f"array {shown(text)} has a name of {max(sizes)} bytes; node names are at most "
                f"{NAME_MAX} bytes",
                parameter="array",
                expected=f"names of at most {NAME_MAX} bytes",
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
