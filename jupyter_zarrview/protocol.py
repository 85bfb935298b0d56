"""The wire protocol, independent of the transport that carries it (see docs/protocol.md).

:func:`handle` turns an operation and its string parameters into an :class:`Answer`: a status,
headers, and a JSON or binary body. The Jupyter server's HTTP handlers and the widget's kernel
messages both call it, so a request means the same thing whichever way it travels.
:func:`error_answer` is the one place where the engine's typed errors become statuses.

Everything here is synchronous and blocking: transports call it off their event loop.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .engine import (
    BadParameter,
    ChunkNotReady,
    EmptyPlate,
    NotAnImage,
    NotFound,
    NotZarr,
    PathNotAllowed,
    SelectionTooLarge,
    UnsupportedDtype,
    ZarrViewError,
    parse_selection,
)
from .engine.chunk_files import dataset_files
from .engine.errors import filesystem_failure
from .engine.selection import selection_text

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    import numpy as np

    from .engine import Dataset, Engine

__all__ = [
    "OPS",
    "PROTOCOL_VERSION",
    "Answer",
    "Limits",
    "answer_without_reading",
    "error_answer",
    "etag_matches",
    "handle",
]

PROTOCOL_VERSION = 1
OPS = ("info", "tile", "stats")

log = logging.getLogger(__name__)

_INTEGER = re.compile(r"[0-9]{1,9}", re.ASCII)
# A selection has one short entry per axis; anything longer is not a selection.
_MAX_SEL_CHARS = 1024


@dataclass(frozen=True)
class Limits:
    """Size caps on requests. ``max_tile_elements`` bounds a tile; stats are sampled instead."""

    max_tile_elements: int = 4096 * 4096
    max_bins: int = 4096


@dataclass(frozen=True)
class Answer:
    """One answer of the protocol: ``json`` for info, stats and errors, ``body`` for tiles."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    body: bytes | None = None


def handle(
    op: str,
    params: Mapping[str, str],
    dataset: Callable[[Mapping[str, str]], Dataset],
    engine: Engine,
    limits: Limits,
    *,
    etag: bool = False,
    if_none_match: str | None = None,
) -> Answer:
    """Answer one request. Never raises: every failure is an error answer.

    ``dataset`` opens what the request names (the server resolves ``path`` and ``array``; the
    widget returns its own data). With ``etag`` a tile answer carries an ``ETag`` and a request
    whose ``if_none_match`` matches it answers 304 without reading.
    """
    try:
        if op not in OPS:
            raise BadParameter(
                f"unknown operation {op!r}",
                parameter="op",
                expected="one of " + ", ".join(OPS),
            )
        ds = dataset(params)
        if op == "info":
            return Answer(200, {}, _finite(ds.info()))
        if op == "tile":
            return _tile(params, ds, engine.read, limits, etag, if_none_match)
        return _stats(params, ds, engine, limits)
    except Exception as exc:
        return error_answer(exc)


def answer_without_reading(
    params: Mapping[str, str], ds: Dataset, limits: Limits, *, if_none_match: str | None
) -> Answer | None:
    """A tile answer that needs no read (a 304, or a result the engine has cached), else None.

    Transports try this first so that such answers never wait behind reads; None (a tile to
    read, or a request to refuse) sends them to :func:`handle`, which has the last word.
    """
    try:
        return _tile(params, ds, _cached_read, limits, True, if_none_match)
    except (ZarrViewError, _NotCached):
        return None


class _NotCached(Exception):
    pass


def _cached_read(ds: Dataset, level: int, selection: tuple[int | slice, ...]) -> np.ndarray:
    hit = ds.cached(level, selection)
    if hit is None:
        raise _NotCached
    return hit


def _tile(
    params: Mapping[str, str],
    ds: Dataset,
    read: Callable[[Dataset, int, tuple[int | slice, ...]], np.ndarray],
    limits: Limits,
    etag: bool,
    if_none_match: str | None,
) -> Answer:
    level = _level(params, len(ds.levels), default=0)
    shape = tuple(ds.levels[level].shape)
    selection = _selection(params, shape, required=True)
    elements = _element_count(selection, shape)
    if elements > limits.max_tile_elements:
        raise SelectionTooLarge(
            f"sel selects {elements} elements; this server answers at most "
            f"{limits.max_tile_elements} per tile",
            limit=limits.max_tile_elements,
        )
    version = str(ds.version)
    headers: dict[str, str] = {}
    if etag:
        tag = _etag(_validator(ds, level, selection) or version, level, selection)
        headers["ETag"] = tag
        if if_none_match is not None and etag_matches(if_none_match, tag):
            return Answer(304, headers)
    array = read(ds, level, selection)
    headers.update(
        {
            "X-Zarrview-Shape": ",".join(str(n) for n in array.shape),
            "X-Zarrview-Dtype": _dtype_name(array),
            "X-Zarrview-Version": version,
        }
    )
    return Answer(200, headers, None, array.tobytes())


def _stats(params: Mapping[str, str], ds: Dataset, engine: Engine, limits: Limits) -> Answer:
    count = len(ds.levels)
    level = _level(params, count, default=count - 1)
    shape = tuple(ds.levels[level].shape)
    selection = _selection(params, shape)
    bins = _bins(params, limits)
    return Answer(200, {}, _finite(engine.stats(ds, level=level, selection=selection, bins=bins)))


def error_answer(exc: BaseException) -> Answer:
    """The answer for an exception: the one mapping from error classes to statuses."""
    if isinstance(exc, ZarrViewError):
        status, parameter = _status(exc)
        headers: dict[str, str] = {}
        if isinstance(exc, ChunkNotReady):
            headers["Retry-After"] = str(max(1, math.ceil(float(exc.retry_after))))
        body = exc.to_json()
        body.setdefault("parameter", parameter)
        return Answer(status, headers, body)
    if isinstance(exc, OSError):
        # The file system's refusal of a file the request led to (too long a name, no
        # permission, a symlink loop...): the request's business, in words, not a 500.
        name = exc.filename
        what = f"path {name!r}" if isinstance(name, str) else "the store"
        return error_answer(filesystem_failure(exc, what))
    # A fault of the server, not of the request: the log gets the traceback, the client a line.
    log.error("zarrview: unexpected error while answering a request", exc_info=exc)
    return Answer(
        500,
        {},
        {"error": f"internal error ({type(exc).__name__}); see the server log", "parameter": None},
    )


# Each error class, its status, and the parameter it is about when the error does not say.
_STATUSES: tuple[tuple[type[ZarrViewError], int, str], ...] = (
    (BadParameter, 400, "path"),
    (PathNotAllowed, 403, "path"),
    (NotFound, 404, "path"),
    (SelectionTooLarge, 413, "sel"),
    (NotZarr, 415, "path"),
    (NotAnImage, 422, "array"),
    (EmptyPlate, 422, "path"),
    (UnsupportedDtype, 422, "array"),
    (ChunkNotReady, 503, "sel"),
)


def _status(exc: ZarrViewError) -> tuple[int, str]:
    for cls, status, parameter in _STATUSES:
        if isinstance(exc, cls):
            return status, parameter
    return 400, "path"


def _level(params: Mapping[str, str], count: int, default: int) -> int:
    text = params.get("level")
    if text is None:
        return default
    expected = f"an integer from 0 to {count - 1}"
    if not _INTEGER.fullmatch(text):
        raise BadParameter(
            f"level must be an integer, got {_shown(text)}", parameter="level", expected=expected
        )
    level = int(text)
    if level >= count:
        raise BadParameter(
            f"level {level} is out of range: this image has levels 0..{count - 1}",
            parameter="level",
            expected=expected,
        )
    return level


def _bins(params: Mapping[str, str], limits: Limits) -> int:
    text = params.get("bins")
    if text is None:
        return 256
    expected = f"an integer from 1 to {limits.max_bins}"
    if not _INTEGER.fullmatch(text) or not 1 <= int(text) <= limits.max_bins:
        raise BadParameter(
            f"bins must be {expected}, got {_shown(text)}", parameter="bins", expected=expected
        )
    return int(text)


def _selection(
    params: Mapping[str, str], shape: tuple[int, ...], *, required: bool = False
) -> tuple[int | slice, ...]:
    """``sel`` parsed against ``shape``. Without it: a 400 when ``required`` (a tile), else
    the whole level (stats, whose cost sampling bounds)."""
    text = params.get("sel")
    if text is None:
        if required:
            whole = ",".join(":" for _ in shape)
            raise BadParameter(
                "sel is required for a tile: one entry per axis of the level",
                parameter="sel",
                expected=(
                    f"{len(shape)} comma-separated entries, one per axis, "
                    f"e.g. {whole!r} for all of it"
                ),
            )
        return tuple(slice(None) for _ in shape)
    if len(text) > _MAX_SEL_CHARS:
        raise BadParameter(
            f"sel is {len(text)} characters long",
            parameter="sel",
            expected=f"one entry per axis ({len(shape)}), at most {_MAX_SEL_CHARS} characters",
        )
    return tuple(parse_selection(text, shape))


def _element_count(selection: Sequence[int | slice], shape: Sequence[int]) -> int:
    n = 1
    for entry, size in zip(selection, shape, strict=False):
        if isinstance(entry, slice):
            n *= len(range(*entry.indices(size)))
    return n


def _validator(ds: Dataset, level: int, selection: tuple[int | slice, ...]) -> str | None:
    """What a tile's bytes depend on: the stat of its chunk files and the dataset's content key.

    None where there are no files to stat (remote or in-kernel data, or too many files): the
    tag then follows the dataset's version, which changes at every refresh.
    """
    files = dataset_files(ds)
    if files is None:
        return None
    signature = files.tile_signature(level, selection)
    content = files.content_key()
    if signature is None or content is None:
        return None
    return f"{content}|{signature!r}"


def _etag(version: str, level: int, selection: tuple[int | slice, ...]) -> str:
    text = f"{version}|{level}|{selection_text(selection)}"
    digest = hashlib.sha1(text.encode(), usedforsecurity=False)
    # Weak: the same tile may travel gzip-compressed or not.
    return f'W/"{digest.hexdigest()[:24]}"'


def etag_matches(if_none_match: str, tag: str) -> bool:
    """Whether an ``If-None-Match`` header matches ``tag`` (weak comparison, RFC 9110)."""
    if if_none_match.strip() == "*":
        return True
    wanted = tag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == wanted for t in if_none_match.split(","))


def _dtype_name(array: np.ndarray) -> str:
    return "bool" if array.dtype.kind == "b" else str(array.dtype.name)


def _finite(value: Any) -> Any:
    """JSON that every parser reads: non-finite floats become the protocol's strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")
