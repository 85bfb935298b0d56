"""Which paths and URLs a request may name, resolved the one way every handler uses.

A local path is read exactly as given (the URL layer has percent-decoded it once; nothing decodes
it again), split on ``/``, and refused before any file is touched when it holds a NUL byte, a
``..`` component or a hidden component. What is left is resolved with its symlinks and must land
inside the server's root dir or one of the extra roots; its hidden check is repeated on the
resolved path, so a symlink cannot lead into a hidden folder either.

A remote URL is read only when it matches the admin's allow-list (see :func:`url_allowed`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from ..engine import NotFound, PathNotAllowed

__all__ = ["Roots", "is_url", "resolve_local", "resolve_source", "split_path", "url_allowed"]

# Zarr's own metadata keys: a store's contents, not hidden files.
ZARR_METADATA_NAMES = frozenset({".zarray", ".zattrs", ".zgroup", ".zmetadata"})

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


@dataclass(frozen=True)
class Roots:
    """The folders a request may read below, and the rules for names inside them."""

    root_dir: Path
    extra: tuple[Path, ...] = ()
    allow_hidden: bool = False
    remote_allowlist: tuple[str, ...] = ()

    @classmethod
    def create(
        cls,
        root_dir: str | os.PathLike[str],
        extra: tuple[str, ...] | list[str] = (),
        *,
        allow_hidden: bool = False,
        remote_allowlist: tuple[str, ...] | list[str] = (),
    ) -> Roots:
        # Roots are resolved once, so a symlinked root compares equal to what its files resolve to.
        return cls(
            root_dir=Path(os.path.realpath(root_dir)),
            extra=tuple(Path(os.path.realpath(os.path.expanduser(p))) for p in extra),
            allow_hidden=allow_hidden,
            remote_allowlist=tuple(remote_allowlist),
        )

    @property
    def all(self) -> tuple[Path, ...]:
        return (self.root_dir, *self.extra)

    def containing(self, resolved: Path) -> Path | None:
        """The root that ``resolved`` lies in (the deepest, when roots nest), or None."""
        best: Path | None = None
        for root in self.all:
            inside = resolved == root or resolved.is_relative_to(root)
            if inside and (best is None or len(root.parts) > len(best.parts)):
                best = root
        return best


def is_url(text: str) -> bool:
    """Whether ``text`` names a remote store (``s3://``, ``https://``, ``zip::s3://``...)."""
    return bool(_SCHEME.match(text)) or "::" in text


def split_path(text: str, parameter: str) -> tuple[bool, list[str]]:
    """``(absolute, components)`` of a local path, refusing the forms that could escape a root.

    Empty and ``.`` components are dropped; ``..`` is refused anywhere, even where it would stay
    inside the root, so that a path means the same before and after symlinks are resolved.
    """
    if "\x00" in text:
        raise PathNotAllowed(f"{parameter} contains a NUL byte", parameter=parameter)
    absolute = text.startswith("/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise PathNotAllowed(
            f"{parameter} {text!r} contains '..'; paths may not leave the allowed roots",
            parameter=parameter,
        )
    return absolute, parts


def _hidden(parts: list[str] | tuple[str, ...], leaf_exempt: bool) -> str | None:
    for i, part in enumerate(parts):
        if not part.startswith("."):
            continue
        if leaf_exempt and i == len(parts) - 1 and part in ZARR_METADATA_NAMES:
            continue
        return part
    return None


def check_hidden(
    parts: list[str] | tuple[str, ...],
    roots: Roots,
    text: str,
    parameter: str,
    *,
    leaf_exempt: bool = False,
) -> None:
    """Refuse a hidden component unless the server allows hidden files.

    With ``leaf_exempt`` the last component may be one of Zarr's metadata keys.
    """
    if roots.allow_hidden:
        return
    name = _hidden(parts, leaf_exempt)
    if name is not None:
        raise PathNotAllowed(
            f"{parameter} {text!r} names a hidden file or folder ({name!r}); "
            "the server does not serve hidden files",
            parameter=parameter,
        )


def resolve_local(
    absolute: bool,
    parts: list[str],
    roots: Roots,
    text: str,
    parameter: str,
    *,
    leaf_exempt: bool = False,
) -> Path:
    """The resolved path (symlinks followed) of checked components, inside an allowed root.

    It need not exist; the caller decides what a missing file means.
    """
    check_hidden(parts, roots, text, parameter, leaf_exempt=leaf_exempt)
    joined = Path("/", *parts) if absolute else roots.root_dir.joinpath(*parts)
    resolved = Path(os.path.realpath(joined))
    root = roots.containing(resolved)
    if root is None:
        raise PathNotAllowed(
            f"{parameter} {text!r} is outside the folders this server may read",
            parameter=parameter,
        )
    # Again on the resolved path: a symlink inside the root may point into a hidden folder.
    check_hidden(resolved.relative_to(root).parts, roots, text, parameter, leaf_exempt=leaf_exempt)
    return resolved


def resolve_source(text: str, roots: Roots, parameter: str = "path") -> str:
    """What the engine should open for a request's ``path``: an absolute local path or a URL."""
    if is_url(text):
        if not url_allowed(text, roots.remote_allowlist):
            raise PathNotAllowed(
                f"{parameter} {text!r} is a URL that is not on this server's allow-list",
                parameter=parameter,
            )
        return text
    absolute, parts = split_path(text, parameter)
    resolved = resolve_local(absolute, parts, roots, text, parameter)
    if not resolved.exists():
        raise NotFound(f"no such path: {text!r}", parameter=parameter)
    return str(resolved)


def url_allowed(url: str, allowlist: tuple[str, ...] | list[str]) -> bool:
    """Whether ``url`` matches an allow-list entry.

    An entry with ``*`` or ``?`` is a pattern in which ``*`` and ``?`` stay within one
    ``/``-separated segment and ``**`` crosses segments; any other entry is a prefix that must
    end at a segment boundary (``s3://bucket`` allows ``s3://bucket/x``, not
    ``s3://bucket-other``). URLs with ``.``/``..`` segments (plain or percent-encoded), NUL bytes
    or backslashes are never allowed: a remote server could resolve them out of the prefix.
    """
    if "\x00" in url or "\\" in url:
        return False
    path = url.split("://", 1)[-1]
    for segment in path.split("/")[1:]:
        decoded = segment
        for _ in range(3):  # undo double and triple encoding too
            decoded = unquote(decoded)
        if decoded in (".", "..") or "/" in decoded or "\\" in decoded:
            return False
    for entry in allowlist:
        if any(c in entry for c in "*?"):
            if _pattern(entry).fullmatch(url):
                return True
        elif url == entry or (
            url.startswith(entry) and (entry.endswith("/") or url[len(entry)] in "/?#")
        ):
            return True
    return False


def _pattern(entry: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(entry):
        if entry.startswith("**", i):
            out.append(".*")
            i += 2
        elif entry[i] == "*":
            out.append("[^/]*")
            i += 1
        elif entry[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(entry[i]))
            i += 1
    return re.compile("".join(out), re.DOTALL)
