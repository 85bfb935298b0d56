"""Share links: read-only, expiring URLs of one store, for Zarr clients that send no credentials.

neuroglancer and zarrita.js fetch keys with plain GETs: no ``Authorization`` header, no cookie
when they run on another origin, and under JupyterHub a ``?token=`` in a URL is ignored (and a
query string cannot sit in the middle of a store URL anyway). A share link carries the right to
read in its path instead::

    {base_url}zarrview/shared/<expires>.<depth>.<signature>/<store path>/<key>

``<store path>`` is the first ``<depth>`` components after the link's capability; the signature
is an HMAC-SHA256, under a key derived from the server's cookie secret, of the expiry and that
path. So a link reads that store and what lies inside it, nothing else, until it expires; it is
checked before any file is touched. Changing the cookie secret revokes every link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from ..engine import BadParameter, PathNotAllowed
from .paths import split_path

__all__ = ["ShareLinks"]

_KEY_PURPOSE = b"jupyter_zarrview share link v1"
_CAPABILITY = re.compile(r"([0-9]{1,12})\.([0-9]{1,3})\.([A-Za-z0-9_-]{32})", re.ASCII)
_NOT_VALID = "this share link is not valid: it was altered, or the server's secret has changed"


@dataclass(frozen=True)
class ShareLinks:
    """Mints and checks share links; ``max_age`` (seconds) caps how long a link may live."""

    key: bytes
    max_age: float

    @classmethod
    def from_secret(cls, secret: bytes, max_age: float) -> ShareLinks:
        # A key of its own, so that no signature made here is ever a valid cookie signature.
        return cls(hmac.new(secret, _KEY_PURPOSE, hashlib.sha256).digest(), max_age)

    def mint(self, path: str, expires_in: float | None, now: float) -> tuple[str, str, int]:
        """A link to the store at ``path``: its capability segment, the path as the link
        writes it (after the capability), and when it expires (Unix time)."""
        if expires_in is None:
            expires_in = self.max_age
        if not 0 < expires_in <= self.max_age:
            raise BadParameter(
                f"expires_in must be from 1 to {self.max_age:.0f} seconds, got {expires_in:g}",
                parameter="expires_in",
                expected=f"seconds, at most {self.max_age:.0f} (this server's limit)",
            )
        absolute, parts = split_path(path, "path")
        if not parts:
            raise BadParameter("path is required", parameter="path", expected="a store path")
        expires = int(now + expires_in)
        capability = f"{expires}.{len(parts)}.{self._sign(expires, absolute, parts)}"
        return capability, _path_text(absolute, parts), expires

    def scope(self, capability: str, rest: str, now: float) -> tuple[str, str]:
        """``(store path, key)`` of a link's path after its capability, once the link checks out.

        Raises :class:`PathNotAllowed` (403) for a link that is malformed, altered or expired,
        before anything of ``rest`` is looked at on disk.
        """
        match = _CAPABILITY.fullmatch(capability)
        if match is None:
            raise PathNotAllowed(_NOT_VALID, parameter="link")
        expires, depth = int(match[1]), int(match[2])
        absolute, parts = split_path(rest, "path")
        if depth < 1 or depth > len(parts):
            raise PathNotAllowed(_NOT_VALID, parameter="link")
        scope = parts[:depth]
        if not hmac.compare_digest(match[3], self._sign(expires, absolute, scope)):
            raise PathNotAllowed(_NOT_VALID, parameter="link")
        if expires <= now:
            raise PathNotAllowed(
                "this share link has expired; ask its owner for a new one", parameter="link"
            )
        return _path_text(absolute, scope), "/".join(parts[depth:])

    def _sign(self, expires: int, absolute: bool, parts: list[str]) -> str:
        text = f"{expires}\n{_path_text(absolute, parts)}"
        digest = hmac.new(self.key, text.encode("utf-8", "surrogateescape"), hashlib.sha256)
        # 192 bits, URL-safe: short enough for a URL, far beyond guessing.
        return base64.urlsafe_b64encode(digest.digest()).decode("ascii")[:32]


def _path_text(absolute: bool, parts: list[str]) -> str:
    return ("/" if absolute else "") + "/".join(parts)
