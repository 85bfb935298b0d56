"""What changed in a dataset since the last look: the poll behind every live view.

One :class:`ChangePoll` per dataset, called from wherever the views are: the server's watcher
(on a thread of its own, woken early by filesystem events) and the kernel's, for data a
notebook view reads over widget messages. Each look stats the metadata keys of the store and of
each level, and the chunk or shard files tiles were recently read from (present or not yet
written); a changed metadata key means the description is read again, a changed chunk file
means the tiles over it changed. A remote store's keys are asked of with a ``HEAD`` each
(engine/key_stats.py), fewer of them and less often; zip stores have no stat per key, and
their metadata is read again. docs/live.md has the costs and the limits.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .chunk_files import Seen, dataset_files
from .key_stats import UNSEEN

if TYPE_CHECKING:
    from collections.abc import Callable

    from .chunk_files import DatasetFiles, Signature
    from .dataset import Dataset
    from .engine import Engine

__all__ = ["ChangePoll", "Look", "merged"]

log = logging.getLogger(__name__)

# Root metadata of a store: when none of them is there, the store is gone.
_ROOT_KEYS = ("zarr.json", ".zarray", ".zgroup")
# Boxes of one level in one change; past it they merge into the box around them all.
_MAX_BOXES = 256
# Chunk keys of a remote store asked of per look: a request each.
REMOTE_RECENT_FILES = 64


@dataclass
class Look:
    """What one look found, and what it cost."""

    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    stats: int = 0
    cpu: float = 0.0
    #: The store's keys and their stats (not for zip stores or arrays in memory).
    files: DatasetFiles | None = None
    #: The keys it stats (metadata, recent chunks), relative to the store's root.
    keys: list[str] = field(default_factory=list)


def merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Two changes as one: the newest description, every box of both."""
    levels: dict[int, list[Any]] = {}
    for event in (old, new):
        for entry in event.get("levels", []):
            levels.setdefault(entry["level"], []).extend(entry["boxes"])
    out = {
        "version": new["version"],
        "metadata": bool(old.get("metadata") or new.get("metadata")),
        "levels": [{"level": lv, "boxes": _bounded(boxes)} for lv, boxes in sorted(levels.items())],
    }
    info = new.get("info") or old.get("info")
    if out["metadata"] and info is not None:
        out["info"] = info
    return out


def _bounded(boxes: list[Any]) -> list[Any]:
    unique = list({repr(b): b for b in boxes}.values())
    if len(unique) <= _MAX_BOXES:
        return unique
    starts = [min(b[0][i] for b in unique) for i in range(len(unique[0][0]))]
    stops = [max(b[1][i] for b in unique) for i in range(len(unique[0][1]))]
    return [[starts, stops]]


class ChangePoll:
    """Looks at one dataset for changes; the first look takes the baseline and finds none.

    ``describe`` gives the ``info`` a change with new metadata carries; ``current`` (optional)
    names the dataset object tiles are read from now, which the look follows when the engine
    let the old one go and opened the data anew.
    """

    def __init__(
        self,
        dataset: Dataset,
        engine: Engine,
        describe: Callable[[Dataset], dict[str, Any] | None],
        *,
        recent_files: int = 512,
        current: Callable[[], Dataset | None] | None = None,
    ) -> None:
        self.dataset = dataset
        self._engine = engine
        self._describe = describe
        self._recent_files = recent_files
        self._current = current
        self._metadata: Signature | None = None
        self._files: dict[str, Seen] = {}
        self._gone = False

    @property
    def remote(self) -> bool:
        """Each look costs requests, or a read of the metadata: poll such data less often."""
        files = dataset_files(self.dataset)
        return files is None or files.remote

    def look(self) -> Look:
        started = time.thread_time()
        out = Look()
        try:
            self._follow_the_open_dataset()
            files = dataset_files(self.dataset)
            if files is None:
                self._look_by_reading(out)
            else:
                out.files = files
                self._look_at_files(files, out)
        finally:
            out.cpu = time.thread_time() - started
        return out

    def _follow_the_open_dataset(self) -> None:
        if self._current is None:
            return
        try:
            current = self._current()
        except Exception:
            return
        if current is not None and current is not self.dataset:
            self.dataset = current

    def _look_by_reading(self, out: Look) -> None:
        if self._metadata is None:
            self._metadata = ()
            return
        try:
            changed = self._engine.refresh(self.dataset)
        except Exception as exc:
            log.debug("zarrview: %s could not be read again (%s); retrying", self.dataset.key, exc)
            return
        if changed:
            out.events.append(("change", self._change(metadata=True, levels={})))

    def _look_at_files(self, files: DatasetFiles, out: Look) -> None:
        root = files.keys.stat(_ROOT_KEYS, small=True)
        out.stats += len(root)
        if all(s[1] is None for s in root):
            if not self._gone and self._metadata is not None:
                out.events.append(("gone", {"error": "the store was removed", "parameter": "path"}))
            self._gone = True
            return
        first = self._metadata is None
        metadata = files.keys.stat(files.metadata_keys(), small=True)
        out.stats += len(metadata)
        described = False
        if first:
            self._metadata = metadata
        elif self._gone or metadata != self._metadata:
            try:
                changed = self._engine.refresh(self.dataset)
            except Exception as exc:
                # Half-written metadata: keep the last good description, try again next time.
                log.debug("zarrview: metadata of %s not readable yet (%s)", self.dataset.key, exc)
                return
            if self._gone:
                changed, self._files = True, {}
            self._gone = False
            # The keys to stat may be others now (a new level): the baseline is taken anew.
            self._metadata = files.keys.stat(files.metadata_keys(), small=True)
            out.stats += len(self._metadata)
            described = changed
        levels = self._changed_files(files, out)
        if described or levels:
            out.events.append(("change", self._change(metadata=described, levels=levels)))

    def _changed_files(self, files: DatasetFiles, out: Look) -> dict[int, list[Any]]:
        count = min(self._recent_files, REMOTE_RECENT_FILES) if files.remote else self._recent_files
        recent = files.recent(count)
        out.keys = [*files.metadata_keys(), *(s.stat[0] for s in recent)]
        baseline = {s.stat[0]: self._files.get(s.stat[0], s) for s in recent}
        now = files.keys.stat(baseline)
        out.stats += len(now)
        self._files = {}
        changed = []
        for seen, stat in zip(baseline.values(), now, strict=True):
            if seen.stat[1] == UNSEEN:
                # A remote key a tile read and no look asked of yet: this is its baseline.
                seen = Seen(seen.level, seen.index, stat)
            elif stat != seen.stat:
                seen = Seen(seen.level, seen.index, stat)
                changed.append(seen)
            self._files[stat[0]] = seen
        if not changed:
            return {}
        try:
            # Reopened now rather than at the first tile asked: every view asks at once.
            self._engine.refresh(self.dataset)
        except Exception as exc:
            log.debug(
                "zarrview: %s not readable yet (%s); its tiles will retry", self.dataset.key, exc
            )
        else:
            files.remember(changed)
        levels: dict[int, list[Any]] = {}
        for seen in changed:
            box = files.box(seen)
            if box is not None:
                levels.setdefault(seen.level, []).append([list(box[0]), list(box[1])])
        return levels

    def _change(self, *, metadata: bool, levels: dict[int, list[Any]]) -> dict[str, Any]:
        ds = self.dataset
        out: dict[str, Any] = {
            "version": ds.version,
            "metadata": metadata,
            "levels": [{"level": lv, "boxes": _bounded(b)} for lv, b in sorted(levels.items())],
        }
        if metadata:
            info = self._describe(ds)
            if info is not None:
                out["info"] = info
        return out
