"""Which paths and URLs a request may name, resolved the one way every handler uses.

A local path is read exactly as given (the URL layer has percent-decoded it once; nothing decodes
it again), split on ``/``, and refused before any file is touched when it holds a NUL byte, a
``..`` component, a hidden component, or more bytes than Linux takes (255 a name, 4096 a path).
What is left is resolved with its symlinks and must land inside the server's root dir or one of
the extra roots; its hidden check is repeated on the resolved path, so a symlink cannot lead
into a hidden folder either. Whatever the operating system then says about the path (a symlink
loop, no permission, a file where a folder should be) becomes a typed error naming the
parameter: see :func:`stat_path`.

A remote URL is read only when it matches the admin's allow-list (see :func:`url_allowed`).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from ..engine import BadParameter, NotFound, PathNotAllowed
from ..engine.errors import filesystem_failure

__all__ = [
    "NAME_MAX",
    "PATH_MAX",
    "Roots",
    "is_url",
    "resolve_local",
    "resolve_source",
    "shown",
    "split_path",
    "stat_path",
    "url_allowed",
]

# Zarr's own metadata keys: a store's contents, not hidden files.
ZARR_METADATA_NAMES = frozenset({".zarray", ".zattrs", ".zgroup", ".zmetadata"})

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
# Linux's limits, in bytes of the UTF-8 name (NAME_MAX, PATH_MAX): past them every file system
# call fails, so a path that breaks them is refused before any is made.
NAME_MAX = 255
PATH_MAX = 4096
_SHOWN_CHARS = 200


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
            f"{parameter} {shown(text)} contains '..'; paths may not leave the allowed roots",
            parameter=parameter,
        )
    size = len(_encoded(text))
    if size > PATH_MAX:
        raise BadParameter(
            f"{parameter} is {size} bytes long; paths are at most {PATH_MAX} bytes",
            parameter=parameter,
            expected=f"a path of at most {PATH_MAX} bytes",
        )
    for part in parts:
        size = len(_encoded(part))
        if size > NAME_MAX:
            raise BadParameter(
                f"{parameter} {shown(text)} has a name of {size} bytes; file and folder names "
                f"are at most {NAME_MAX} bytes",
                parameter=parameter,
                expected=f"names of at most {NAME_MAX} bytes",
            )
    return absolute, parts


def _encoded(text: str) -> bytes:
    # What the file system is handed: the name's UTF-8 bytes. (Lone surrogates cannot come from
    # a URL, which is decoded strictly, but may from Python callers; they count, not fail.)
    return text.encode("utf-8", "surrogatepass")


def shown(text: str) -> str:
    """``text`` quoted for a message, cut short when long: a 4 KiB path helps nobody twice."""
    if len(text) <= _SHOWN_CHARS:
        return repr(text)
    return repr(text[:_SHOWN_CHARS]) + f" (and {len(text) - _SHOWN_CHARS} characters more)"


def stat_path(path: Path, text: str, parameter: str) -> os.stat_result | None:
    """``os.stat`` of a path a request named: None when nothing is there (or a file stands
    where a folder should), a typed error when the file system refuses to say (a symlink
    loop, no permission, a name too long...): never an ``OSError``."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise filesystem_failure(exc, f"{parameter} {shown(text)}", parameter) from None
    except ValueError:  # a name the platform cannot even encode
        raise BadParameter(
            f"{parameter} {shown(text)} is not a name this file system accepts",
            parameter=parameter,
        ) from None


def is_dir(path: Path, text: str, parameter: str) -> bool:
    """Whether ``path`` is a folder (following symlinks), as :func:`stat_path` sees it."""
    st = stat_path(path, text, parameter)
    return st is not None and stat.S_ISDIR(st.st_mode)


def is_file(path: Path, text: str, parameter: str) -> bool:
    """Whether ``path`` is a regular file (following symlinks), as :func:`stat_path` sees it."""
    st = stat_path(path, text, parameter)
    return st is not None and stat.S_ISREG(st.st_mode)


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
            f"{parameter} {shown(text)} names a hidden file or folder ({name!r}); "
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
    try:
        resolved = Path(os.path.realpath(joined))
    except OSError as exc:  # Python 3.13 and later may say why a link cannot be followed
        raise filesystem_failure(exc, f"{parameter} {shown(text)}", parameter) from None
    root = roots.containing(resolved)
    if root is None:
        raise PathNotAllowed(
            f"{parameter} {shown(text)} is outside the folders this server may read",
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
                f"{parameter} {shown(text)} is a URL that is not on this server's allow-list",
                parameter=parameter,
            )
        return text
    absolute, parts = split_path(text, parameter)
    resolved = resolve_local(absolute, parts, roots, text, parameter)
    if stat_path(resolved, text, parameter) is None:
        raise NotFound(f"no such path: {shown(text)}", parameter=parameter)
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
